/**
 * Blocking through the HTTP API: a block removes the follows between the two users, both ways; neither
 * sees the other's profile (404 USER_NOT_FOUND) or comments (left out of every list); follows, likes,
 * comments, replies and mentions across it are refused with 403 BLOCKED; block, unblock and the removed
 * follows reach the event log like follows do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../api/testing/harness.ts';
import { markVideoReadyWithoutMedia } from '../media/testing/ready-video.ts';
import { ENGAGEMENT_TOPIC, type EngagementEvent } from './events.ts';

type Who = 'blocker' | 'blocked' | 'third' | 'anonymous';
let t: Awaited<ReturnType<typeof buildTestApp>>;
const token: Partial<Record<Who, string>> = {};
const id: Partial<Record<Who, string>> = {};
let blockerVideo = '';
let thirdVideo = '';

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who: Who, payload?: object) =>
  t.app.inject({
    method,
    url,
    headers: token[who] ? { authorization: `Bearer ${token[who]}` } : {},
    ...(payload ? { payload } : {}),
  });
const answer = async (p: ReturnType<typeof call>) => {
  const res = await p;
  return [res.statusCode, res.statusCode >= 400 ? res.json().error.code : undefined];
};

async function readyVideo(who: Who): Promise<string> {
  const res = await call('POST', '/api/v1/videos', who, { caption: 'v', privacy: 'public' });
  const videoId = res.json().video_id as string;
  await markVideoReadyWithoutMedia(t.deps.metadata, videoId);
  return videoId;
}

async function loggedEvents(): Promise<EngagementEvent[]> {
  const out: EngagementEvent[] = [];
  for (let p = 0; p < (await t.deps.events.partitions(ENGAGEMENT_TOPIC)); p++) {
    out.push(...(await t.deps.events.read(ENGAGEMENT_TOPIC, p, 0, 10_000)).map((e) => e.value as EngagementEvent));
  }
  return out;
}

const comments = async (videoId: string, who: Who, parent?: string) =>
  (await call('GET', `/api/v1/videos/${videoId}/comments${parent ? `?parent_id=${parent}` : ''}`, who)).json()
    .items as { id: string; user: { id: string }; reply_count: number }[];

beforeAll(async () => {
  t = await buildTestApp('embedded', 'blocking', {
    EMBEDDED_WORKERS: 'false',
    RATE_LIMIT_USER_PER_MIN: '1000000',
    RATE_LIMIT_IP_PER_MIN: '1000000',
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
  });
  for (const who of ['blocker', 'blocked', 'third'] as const) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: `${who}_u`, password: 'a long password' },
    });
    token[who] = res.json().token;
    id[who] = res.json().user.id;
  }
  blockerVideo = await readyVideo('blocker');
  thirdVideo = await readyVideo('third');
  await call('POST', `/api/v1/users/${id.blocker}/follow`, 'blocked');
  await call('POST', `/api/v1/users/${id.blocked}/follow`, 'blocker');
  // Comments written before the block, on a third user's video: a thread of each, a reply of each.
  const a = (
    await call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'blocker', { content: 'from blocker' })
  ).json();
  await call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'blocked', { content: 'from blocked' });
  await call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'third', { content: 'from third', parent_id: a.id });
  await call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'blocked', { content: 'reply', parent_id: a.id });
  expect(await answer(call('POST', `/api/v1/users/${id.blocked}/block`, 'blocker'))).toEqual([200, undefined]);
});
afterAll(async () => t?.cleanup());

describe('a block between two users', () => {
  it('removes the follows between them, both ways, and says so in the event log', async () => {
    for (const who of ['blocker', 'blocked'] as const) {
      // Read as the third user: the two may no longer see each other's profile.
      const p = (await call('GET', `/api/v1/users/${id[who]}`, 'third')).json();
      expect([who, p.follower_count, p.following_count]).toEqual([who, 0, 0]);
    }
    const relation = (await loggedEvents())
      .filter((e) => ['block', 'unblock', 'unfollow'].includes(e.type))
      .map((e) => [e.type, e.userId, e.targetUserId]);
    expect(relation).toEqual([
      ['block', id.blocker, id.blocked],
      ['unfollow', id.blocker, id.blocked],
      ['unfollow', id.blocked, id.blocker],
    ]);
  });

  it('hides each profile from the other as if it did not exist, not from anyone else', async () => {
    expect(await answer(call('GET', `/api/v1/users/${id.blocker}`, 'blocked'))).toEqual([404, 'USER_NOT_FOUND']);
    expect(await answer(call('GET', `/api/v1/users/${id.blocked}`, 'blocker'))).toEqual([404, 'USER_NOT_FOUND']);
    for (const who of ['third', 'anonymous'] as const) {
      expect(await answer(call('GET', `/api/v1/users/${id.blocker}`, who))).toEqual([200, undefined]);
    }
  });

  it("leaves each one's comments and replies out of the other's lists and reply counts", async () => {
    const authors = async (who: Who) => (await comments(thirdVideo, who)).map((c) => c.user.id);
    expect(await authors('third')).toEqual(expect.arrayContaining([id.blocker, id.blocked]));
    expect(await authors('blocked')).not.toContain(id.blocker);
    expect(await authors('blocker')).not.toContain(id.blocked);
    const thread = (await comments(thirdVideo, 'third')).find((c) => c.user.id === id.blocker)!;
    expect(thread.reply_count).toBe(2);
    const asBlocker = (await comments(thirdVideo, 'blocker')).find((c) => c.id === thread.id)!;
    expect(asBlocker.reply_count).toBe(1);
    expect((await comments(thirdVideo, 'blocker', thread.id)).map((c) => c.user.id)).toEqual([id.third]);
  });

  it('refuses follows either way with 403 BLOCKED, but not unfollowing', async () => {
    expect(await answer(call('POST', `/api/v1/users/${id.blocker}/follow`, 'blocked'))).toEqual([403, 'BLOCKED']);
    expect(await answer(call('POST', `/api/v1/users/${id.blocked}/follow`, 'blocker'))).toEqual([403, 'BLOCKED']);
    expect(await answer(call('DELETE', `/api/v1/users/${id.blocker}/follow`, 'blocked'))).toEqual([200, undefined]);
  });

  it("refuses likes and comments on the other's public video with 403 BLOCKED, and still hides it", async () => {
    expect(await answer(call('POST', `/api/v1/videos/${blockerVideo}/like`, 'blocked'))).toEqual([403, 'BLOCKED']);
    const comment = call('POST', `/api/v1/videos/${blockerVideo}/comments`, 'blocked', { content: 'hi' });
    expect(await answer(comment)).toEqual([403, 'BLOCKED']);
    expect(await answer(call('GET', `/api/v1/videos/${blockerVideo}`, 'blocked'))).toEqual([404, 'VIDEO_NOT_FOUND']);
    expect(await answer(call('POST', `/api/v1/videos/${blockerVideo}/like`, 'third'))).toEqual([200, undefined]);
  });

  it("refuses replies to the other and mentions of the other with 403 BLOCKED, on anyone's video", async () => {
    const thread = (await comments(thirdVideo, 'third')).find((c) => c.user.id === id.blocker)!;
    const reply = call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'blocked', {
      content: 'x',
      parent_id: thread.id,
    });
    expect(await answer(reply)).toEqual([403, 'BLOCKED']);
    for (const content of ['hey @blocker_u', '@BLOCKER_U!', 'cc @third_u and @blocker_u']) {
      const mention = call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'blocked', { content });
      expect([content, ...(await answer(mention))]).toEqual([content, 403, 'BLOCKED']);
    }
    const fine = call('POST', `/api/v1/videos/${thirdVideo}/comments`, 'blocked', {
      content: 'hi @third_u, mail a@blocker_u',
    });
    expect(await answer(fine)).toEqual([201, undefined]);
  });

  it('after an unblock, allows all of it again (follows are not restored) and logs the unblock', async () => {
    expect(await answer(call('DELETE', `/api/v1/users/${id.blocked}/block`, 'blocker'))).toEqual([200, undefined]);
    expect(await answer(call('GET', `/api/v1/users/${id.blocker}`, 'blocked'))).toEqual([200, undefined]);
    expect((await call('GET', `/api/v1/users/${id.blocker}`, 'blocked')).json().followed_by_viewer).toBe(false);
    expect(await answer(call('POST', `/api/v1/users/${id.blocker}/follow`, 'blocked'))).toEqual([200, undefined]);
    expect(await answer(call('POST', `/api/v1/videos/${blockerVideo}/like`, 'blocked'))).toEqual([200, undefined]);
    expect((await comments(thirdVideo, 'blocked')).map((c) => c.user.id)).toContain(id.blocker);
    const last = (await loggedEvents()).filter((e) => e.type === 'unblock');
    expect(last.map((e) => [e.userId, e.targetUserId])).toEqual([[id.blocker, id.blocked]]);
  });
});
