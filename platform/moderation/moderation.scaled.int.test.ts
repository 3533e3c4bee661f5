/**
 * The moderation walk on the scaled backends (PostgreSQL, Redis, Kafka, S3): reports past the threshold
 * hold a video, a removal hides it and its media at once, the creator is told, appeals once and a
 * reversal restores it; a ban ends the account's cached sessions' writes at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moderationWorld } from './testing/world.ts';

let w: Awaited<ReturnType<typeof moderationWorld>>;

beforeAll(async () => {
  w = await moderationWorld('moderation-scaled', { REPORT_HOLD_THRESHOLD: '2' }, 'scaled');
}, 120_000);
afterAll(() => w?.t.cleanup(), 60_000);

describe('moderation on the scaled backends', () => {
  it('holds, removes, notifies, takes one appeal and restores', async () => {
    const video = await w.readyVideo('owner');
    const report = (who: string) =>
      w.answer('POST', '/api/v1/reports', who, { target_type: 'video', target_id: video, reason: 'spam' });
    expect(await report('follower')).toEqual([201, undefined]);
    expect(await report('follower')).toEqual([200, undefined]);
    expect(await report('stranger')).toEqual([201, undefined]);
    const [c] = (await w.call('GET', '/api/v1/moderation/queue', 'moderator')).json().items;
    expect(c).toMatchObject({ report_count: 2, target: { id: video, label: 'held' } });

    expect(
      await w.answer('POST', `/api/v1/moderation/cases/${c.id}/actions`, 'moderator', {
        action: 'remove',
        reason: 'spam',
      }),
    ).toEqual([200, undefined]);
    expect(await w.answer('GET', `/api/v1/videos/${video}`, 'owner')).toEqual([404, 'VIDEO_NOT_FOUND']);
    expect((await w.call('GET', `/media/videos/${video}/v1/master.m3u8`, 'anonymous')).statusCode).toBe(404);
    const [note] = (await w.call('GET', '/api/v1/notifications', 'owner')).json().items;
    expect(note).toMatchObject({ type: 'moderation', case_id: c.id, data: { action: 'remove' } });

    const appeal = () => w.answer('POST', `/api/v1/moderation/cases/${c.id}/appeal`, 'owner', { message: 'no' });
    expect(await appeal()).toEqual([201, undefined]);
    expect(await appeal()).toEqual([409, 'APPEAL_EXISTS']);
    expect(
      await w.answer('POST', `/api/v1/moderation/cases/${c.id}/appeal/decision`, 'moderator', {
        decision: 'reverse',
        reason: 'fine',
      }),
    ).toEqual([200, undefined]);
    expect((await w.call('GET', `/api/v1/videos/${video}`, 'stranger')).statusCode).toBe(200);
  }, 60_000);

  it('bans at once, although sessions are cached in Redis', async () => {
    const video = await w.readyVideo('owner');
    // Warm the session cache, then ban.
    expect((await w.call('GET', `/api/v1/videos/${video}`, 'stranger')).statusCode).toBe(200);
    await w.answer('POST', '/api/v1/reports', 'follower', {
      target_type: 'user',
      target_id: w.id.stranger,
      reason: 'spam',
    });
    const [c] = (await w.call('GET', '/api/v1/moderation/queue', 'moderator')).json().items;
    expect(
      await w.answer('POST', `/api/v1/moderation/cases/${c.id}/actions`, 'moderator', { action: 'ban', reason: 'bot' }),
    ).toEqual([200, undefined]);
    expect(await w.answer('POST', `/api/v1/videos/${video}/like`, 'stranger')).toEqual([403, 'ACCOUNT_BANNED']);
  }, 60_000);
});
