/**
 * Reports, the moderation queue, actions and appeals through the HTTP API, across the access matrix
 * (owner, follower, stranger, blocked, moderator, anonymous) and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moderationWorld } from './testing/world.ts';

let w: Awaited<ReturnType<typeof moderationWorld>>;
let video = '';
let comment = '';
const report = (who: string, target_type: string, target_id: string, reason = 'spam') =>
  w.answer('POST', '/api/v1/reports', who, { target_type, target_id, reason });
const label = async (videoId: string) =>
  (await w.t.deps.metadata.get<{ moderation: string }>('SELECT moderation FROM videos WHERE id = $1', [videoId]))
    ?.moderation;
const caseOf = async (targetId: string) =>
  (await w.t.deps.metadata.get<{ id: string }>('SELECT id FROM moderation_cases WHERE target_id = $1', [targetId]))!.id;

beforeAll(async () => {
  w = await moderationWorld('moderation', { REPORT_HOLD_THRESHOLD: '3', REPORTS_PER_USER_PER_HOUR: '20' });
  await w.register('admin', 'admin');
  video = await w.readyVideo('owner');
  comment = (await w.call('POST', `/api/v1/videos/${video}/comments`, 'stranger', { content: 'buy pills' })).json().id;
});
afterAll(() => w?.t.cleanup());

describe('POST /reports', () => {
  it('answers each position of the access matrix for a public video', async () => {
    expect(await report('anonymous', 'video', video)).toEqual([401, 'UNAUTHENTICATED']);
    expect(await report('owner', 'video', video)).toEqual([400, 'VALIDATION_FAILED']);
    expect(await report('blocked', 'video', video)).toEqual([404, 'VIDEO_NOT_FOUND']);
    expect(await report('follower', 'video', video)).toEqual([201, undefined]);
    expect(await report('stranger', 'video', video, 'hate')).toEqual([201, undefined]);
    expect(await label(video)).toBe('none');
    expect(await report('moderator', 'video', video)).toEqual([201, undefined]);
  });

  it('deduplicates per reporter: a second report of the same target changes nothing', async () => {
    const res = await w.call('POST', '/api/v1/reports', 'follower', {
      target_type: 'video',
      target_id: video,
      reason: 'violence',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ duplicate: true });
    const [c] = (await w.call('GET', '/api/v1/moderation/queue', 'moderator')).json().items;
    expect(c).toMatchObject({ report_count: 3, reasons: { spam: 2, hate: 1 } });
  });

  it('holds a video reported by REPORT_HOLD_THRESHOLD users from recommendation, still visible by link', async () => {
    expect(await label(video)).toBe('held');
    expect((await w.call('GET', `/api/v1/videos/${video}`, 'stranger')).statusCode).toBe(200);
  });

  it('reports comments and users; hidden and unknown targets are 404 with their code', async () => {
    expect(await report('follower', 'comment', comment, 'spam')).toEqual([201, undefined]);
    expect(await report('stranger', 'comment', comment)).toEqual([400, 'VALIDATION_FAILED']);
    expect(await report('blocked', 'user', w.id.owner!)).toEqual([201, undefined]);
    expect(await report('follower', 'comment', 'nope')).toEqual([404, 'COMMENT_NOT_FOUND']);
    expect(await report('follower', 'user', 'nope')).toEqual([404, 'USER_NOT_FOUND']);
    expect(await report('follower', 'video', 'nope')).toEqual([404, 'VIDEO_NOT_FOUND']);
  });

  it('refuses bad input with 400 VALIDATION_FAILED', async () => {
    for (const body of [
      { target_type: 'song', target_id: video, reason: 'spam' },
      { target_type: 'video', target_id: video, reason: 'meh' },
      { target_type: 'video', target_id: '../etc', reason: 'spam' },
      { target_type: 'video', target_id: video, reason: 'spam', note: 'x'.repeat(501) },
      { target_type: 'video', reason: 'spam' },
    ]) {
      expect(await w.answer('POST', '/api/v1/reports', 'stranger', body)).toEqual([400, 'VALIDATION_FAILED']);
    }
  });
});

describe('moderation queue and actions', () => {
  it('opens the queue to moderators and admins only', async () => {
    expect(await w.answer('GET', '/api/v1/moderation/queue', 'anonymous')).toEqual([401, 'UNAUTHENTICATED']);
    for (const who of ['owner', 'follower', 'stranger', 'blocked']) {
      expect(await w.answer('GET', '/api/v1/moderation/queue', who)).toEqual([403, 'FORBIDDEN']);
    }
    expect((await w.call('GET', '/api/v1/moderation/queue', 'admin')).statusCode).toBe(200);
  });

  it('orders the queue by risk: three reports of a video, then one of a followed user, then one of a comment', async () => {
    const res = await w.call('GET', '/api/v1/moderation/queue?limit=10', 'moderator');
    const items = res.json().items as { target: { type: string; id: string }; risk: number }[];
    // One report each of the user and the comment: the user's follower gives it reach, the unwatched video none.
    expect(items.map((c) => c.target.id)).toEqual([video, w.id.owner, comment]);
    expect(items[0]!.risk).toBeGreaterThan(items[1]!.risk);
    expect(items[1]!.risk).toBeGreaterThan(items[2]!.risk);
    expect(items[0]!.target).toMatchObject({ type: 'video', owner_handle: 'owner_u', label: 'held' });
    expect(await w.answer('GET', '/api/v1/moderation/queue?limit=0', 'moderator')).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('refuses actions from non-moderators, unknown cases, bad bodies and actions that do not fit', async () => {
    const userCase = await caseOf(w.id.owner!);
    const act = (who: string, caseId: string, body: object) =>
      w.answer('POST', `/api/v1/moderation/cases/${caseId}/actions`, who, body);
    expect(await act('anonymous', userCase, { action: 'dismiss', reason: 'ok' })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await act('owner', userCase, { action: 'dismiss', reason: 'ok' })).toEqual([403, 'FORBIDDEN']);
    expect(await act('moderator', 'nope', { action: 'dismiss', reason: 'ok' })).toEqual([404, 'CASE_NOT_FOUND']);
    expect(await act('moderator', userCase, { action: 'limit', reason: 'x' })).toEqual([400, 'ACTION_NOT_APPLICABLE']);
    expect(await act('moderator', userCase, { action: 'nuke', reason: 'x' })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await act('moderator', userCase, { action: 'dismiss' })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await act('moderator', userCase, { action: 'dismiss', reason: ' ' })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await act('moderator', userCase, { action: 'dismiss', reason: 'not abuse' })).toEqual([200, undefined]);
    expect(await act('admin', userCase, { action: 'ban', reason: 'late' })).toEqual([409, 'CASE_CLOSED']);
  });

  it('removes a video everywhere at once, audits it and tells the creator', async () => {
    const videoCase = await caseOf(video);
    const before = (await w.call('GET', `/api/v1/users/${w.id.owner}`, 'stranger')).json().video_count;
    const media = `/media/videos/${video}/v1/master.m3u8`;
    expect((await w.call('GET', media, 'anonymous')).json().error.code).toBe('OBJECT_NOT_FOUND');
    const res = await w.call('POST', `/api/v1/moderation/cases/${videoCase}/actions`, 'moderator', {
      action: 'remove',
      reason: 'spam ring',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'actioned', decision: 'remove', target: { label: 'removed' } });
    for (const who of ['owner', 'follower', 'stranger', 'moderator', 'anonymous']) {
      expect(await w.answer('GET', `/api/v1/videos/${video}`, who)).toEqual([404, 'VIDEO_NOT_FOUND']);
      expect(await w.answer('GET', `/api/v1/videos/${video}/comments`, who)).toEqual([404, 'VIDEO_NOT_FOUND']);
    }
    expect(await w.answer('POST', `/api/v1/videos/${video}/like`, 'follower')).toEqual([404, 'VIDEO_NOT_FOUND']);
    expect((await w.call('GET', media, 'anonymous')).json().error.code).toBe('VIDEO_NOT_FOUND');
    expect((await w.call('GET', `/api/v1/users/${w.id.owner}`, 'stranger')).json().video_count).toBe(before - 1);

    const detail = (await w.call('GET', `/api/v1/moderation/cases/${videoCase}`, 'moderator')).json();
    expect(detail.actions).toEqual([
      expect.objectContaining({ moderator_id: w.id.moderator, action: 'remove', reason: 'spam ring' }),
    ]);
    expect(detail.actions[0].created_at).toBeGreaterThan(0);
    expect(detail.reports).toHaveLength(3);
    expect(await w.answer('GET', `/api/v1/moderation/cases/${videoCase}`, 'stranger')).toEqual([403, 'FORBIDDEN']);

    const notes = (await w.call('GET', '/api/v1/notifications', 'owner')).json().items;
    expect(notes[0]).toMatchObject({
      type: 'moderation',
      case_id: videoCase,
      video_id: video,
      data: { action: 'remove', reason: 'spam ring', appealable: true },
    });
  });

  it('removes a comment from its video', async () => {
    const other = await w.readyVideo('owner');
    const c = (await w.call('POST', `/api/v1/videos/${other}/comments`, 'stranger', { content: 'spam' })).json().id;
    await report('follower', 'comment', c);
    const res = await w.call('POST', `/api/v1/moderation/cases/${await caseOf(c)}/actions`, 'moderator', {
      action: 'remove',
      reason: 'spam',
    });
    expect(res.statusCode).toBe(200);
    const items = (await w.call('GET', `/api/v1/videos/${other}/comments`, 'owner')).json().items;
    expect(items.map((x: { id: string }) => x.id)).not.toContain(c);
  });
});

describe('appeals', () => {
  it('lets the creator appeal once, and a reversal restores the video', async () => {
    const videoCase = await caseOf(video);
    const appeal = (who: string, caseId = videoCase) =>
      w.answer('POST', `/api/v1/moderation/cases/${caseId}/appeal`, who, { message: 'it was a joke' });
    expect(await appeal('anonymous')).toEqual([401, 'UNAUTHENTICATED']);
    expect(await appeal('stranger')).toEqual([404, 'CASE_NOT_FOUND']);
    expect(await appeal('owner', await caseOf(w.id.owner!))).toEqual([409, 'NOT_APPEALABLE']);
    expect(await w.answer('POST', `/api/v1/moderation/cases/${videoCase}/appeal`, 'owner', {})).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await appeal('owner')).toEqual([201, undefined]);
    expect(await appeal('owner')).toEqual([409, 'APPEAL_EXISTS']);

    const mine = (await w.call('GET', '/api/v1/me/moderation', 'owner')).json().items;
    expect(mine[0]).toMatchObject({ id: videoCase, appeal: { status: 'open', message: 'it was a joke' } });
    expect((await w.call('GET', '/api/v1/me/moderation', 'follower')).json().items).toEqual([]);

    expect(await w.answer('GET', '/api/v1/moderation/appeals', 'owner')).toEqual([403, 'FORBIDDEN']);
    const open = (await w.call('GET', '/api/v1/moderation/appeals', 'moderator')).json().items;
    expect(open.map((c: { id: string }) => c.id)).toEqual([videoCase]);

    const decide = (who: string, decision: string) =>
      w.answer('POST', `/api/v1/moderation/cases/${videoCase}/appeal/decision`, who, { decision, reason: 'satire' });
    expect(await decide('owner', 'reverse')).toEqual([403, 'FORBIDDEN']);
    expect(await decide('moderator', 'maybe')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await decide('moderator', 'reverse')).toEqual([200, undefined]);
    expect(await decide('admin', 'uphold')).toEqual([409, 'CASE_CLOSED']);
    expect(await label(video)).toBe('none');
    expect((await w.call('GET', `/api/v1/videos/${video}`, 'stranger')).statusCode).toBe(200);
    const actions = (await w.call('GET', `/api/v1/moderation/cases/${videoCase}`, 'moderator')).json().actions;
    expect(actions.map((a: { action: string }) => a.action)).toEqual(['remove', 'appeal_reversed']);
    const [note] = (await w.call('GET', '/api/v1/notifications', 'owner')).json().items;
    expect(note).toMatchObject({ type: 'moderation', data: { action: 'appeal_reversed', appealable: false } });
  });

  it('limits a video: it stays up but is labelled limited', async () => {
    const v = await w.readyVideo('owner');
    await report('stranger', 'video', v, 'misinformation');
    const res = await w.call('POST', `/api/v1/moderation/cases/${await caseOf(v)}/actions`, 'moderator', {
      action: 'limit',
      reason: 'misleading',
    });
    expect(res.json()).toMatchObject({ decision: 'limit', target: { label: 'limited' } });
    expect((await w.call('GET', `/api/v1/videos/${v}`, 'stranger')).statusCode).toBe(200);
  });
});

describe('bans', () => {
  it('leaves a banned account only reading, signing out and appealing, and hides its videos and comments', async () => {
    await w.register('troll');
    const trollVideo = await w.readyVideo('troll');
    const other = await w.readyVideo('owner');
    const trollComment = (await w.call('POST', `/api/v1/videos/${other}/comments`, 'troll', { content: 'ugh' })).json()
      .id;
    const commentIds = async () =>
      ((await w.call('GET', `/api/v1/videos/${other}/comments`, 'owner')).json().items as { id: string }[]).map(
        (c) => c.id,
      );
    expect(await commentIds()).toContain(trollComment);
    await report('follower', 'user', w.id.troll!, 'harassment');
    const caseId = await caseOf(w.id.troll!);
    expect((await w.call('GET', `/api/v1/videos/${other}`, 'troll')).statusCode).toBe(200);
    expect(
      await w.answer('POST', `/api/v1/moderation/cases/${caseId}/actions`, 'moderator', {
        action: 'ban',
        reason: 'harassment',
      }),
    ).toEqual([200, undefined]);
    expect(await w.answer('POST', `/api/v1/videos/${other}/like`, 'troll')).toEqual([403, 'ACCOUNT_BANNED']);
    expect(await w.answer('POST', `/api/v1/users/${w.id.owner}/follow`, 'troll')).toEqual([403, 'ACCOUNT_BANNED']);
    expect(await w.answer('GET', `/api/v1/videos/${trollVideo}`, 'stranger')).toEqual([404, 'VIDEO_NOT_FOUND']);
    expect(await commentIds()).not.toContain(trollComment);
    expect((await w.call('GET', '/api/v1/me/moderation', 'troll')).json().items[0]).toMatchObject({
      id: caseId,
      decision: 'ban',
      target: { banned: true },
    });
    expect(await w.answer('POST', `/api/v1/moderation/cases/${caseId}/appeal`, 'troll', { message: 'sorry' })).toEqual([
      201,
      undefined,
    ]);
    await w.answer('POST', `/api/v1/moderation/cases/${caseId}/appeal/decision`, 'moderator', {
      decision: 'reverse',
      reason: 'first offence',
    });
    expect((await w.call('GET', `/api/v1/videos/${trollVideo}`, 'stranger')).statusCode).toBe(200);
    expect(await commentIds()).toContain(trollComment);
    expect(await w.answer('POST', `/api/v1/videos/${other}/like`, 'troll')).toEqual([200, undefined]);
  });
});

describe('report budget', () => {
  it('answers 429 RATE_LIMITED past REPORTS_PER_USER_PER_HOUR, duplicates included', async () => {
    await w.register('spammer');
    const v = await w.readyVideo('owner');
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) codes.push((await report('spammer', 'video', v))[0] as number);
    expect(codes.slice(0, 2)).toEqual([201, 200]);
    expect(codes[19]).toBe(200);
    expect(codes[20]).toBe(429);
  });
});
