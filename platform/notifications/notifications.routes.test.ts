/**
 * Notifications through the HTTP API: likes, comments, replies and follows notify the user they concern
 * (never the actor themself), with unread counts and mark-read; each user reads only their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moderationWorld } from '../moderation/testing/world.ts';

let w: Awaited<ReturnType<typeof moderationWorld>>;
let video = '';
type Note = { id: string; type: string; actor: { handle: string } | null; video_id: string | null; read: boolean };
const notes = async (who: string, query = '') =>
  (await w.call('GET', `/api/v1/notifications${query}`, who)).json() as {
    items: Note[];
    unread_count: number;
    next_cursor: string | null;
  };

beforeAll(async () => {
  w = await moderationWorld('notifications');
  video = await w.readyVideo('owner');
});
afterAll(() => w?.t.cleanup());

describe('notifications', () => {
  it('tells the owner of a follow, a like and a comment, and a commenter of a reply', async () => {
    // The world's follower followed the owner when it was built.
    expect((await notes('owner')).items.map((n) => [n.type, n.actor?.handle])).toEqual([['follow', 'follower_u']]);
    await w.call('POST', `/api/v1/videos/${video}/like`, 'stranger');
    await w.call('POST', `/api/v1/videos/${video}/like`, 'owner');
    const c = (await w.call('POST', `/api/v1/videos/${video}/comments`, 'follower', { content: 'nice' })).json().id;
    await w.call('POST', `/api/v1/videos/${video}/comments`, 'stranger', { content: 'agreed', parent_id: c });
    const owner = await notes('owner');
    expect(owner.items.map((n) => [n.type, n.actor?.handle])).toEqual([
      ['comment', 'stranger_u'],
      ['comment', 'follower_u'],
      ['like', 'stranger_u'],
      ['follow', 'follower_u'],
    ]);
    expect(owner.unread_count).toBe(4);
    expect(owner.items[0]).toMatchObject({ video_id: video, read: false });
    const follower = await notes('follower');
    expect(follower.items.map((n) => [n.type, n.actor?.handle])).toEqual([['reply', 'stranger_u']]);
    expect((await notes('stranger')).items).toEqual([]);
  });

  it('does not notify a reply to your own comment or across a block (the write itself is refused)', async () => {
    const c = (await w.call('POST', `/api/v1/videos/${video}/comments`, 'owner', { content: 'thanks' })).json().id;
    await w.call('POST', `/api/v1/videos/${video}/comments`, 'owner', { content: 'me again', parent_id: c });
    expect(await w.answer('POST', `/api/v1/videos/${video}/like`, 'blocked')).toEqual([403, 'BLOCKED']);
    expect(await w.answer('POST', `/api/v1/users/${w.id.owner}/follow`, 'blocked')).toEqual([403, 'BLOCKED']);
    expect((await notes('owner')).unread_count).toBe(4);
  });

  it('pages newest first with a cursor, and marks read by id or all at once', async () => {
    const first = await notes('owner', '?limit=3');
    expect(first.items).toHaveLength(3);
    const rest = await notes('owner', `?limit=3&cursor=${first.next_cursor}`);
    expect(rest.items.map((n) => n.type)).toEqual(['follow']);
    expect(rest.next_cursor).toBeNull();

    const one = await w.call('POST', '/api/v1/notifications/read', 'owner', { ids: [first.items[0]!.id] });
    expect(one.json()).toEqual({ marked: 1, unread_count: 3 });
    // Another user's ids are ignored.
    const foreign = await w.call('POST', '/api/v1/notifications/read', 'follower', { ids: [first.items[1]!.id] });
    expect(foreign.json()).toEqual({ marked: 0, unread_count: 1 });
    expect((await w.call('GET', '/api/v1/notifications/unread-count', 'owner')).json()).toEqual({ unread_count: 3 });
    expect((await w.call('POST', '/api/v1/notifications/read', 'owner', {})).json()).toEqual({
      marked: 3,
      unread_count: 0,
    });
    expect((await notes('owner')).items.every((n) => n.read)).toBe(true);
  });

  it('answers 401 to anonymous callers and 400 to bad input', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/notifications'],
      ['GET', '/api/v1/notifications/unread-count'],
      ['POST', '/api/v1/notifications/read'],
      ['GET', '/api/v1/notifications/stream'],
    ] as const) {
      expect(await w.answer(method, url, 'anonymous', method === 'POST' ? {} : undefined)).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
    }
    expect(await w.answer('GET', '/api/v1/notifications?cursor=nope', 'owner')).toEqual([400, 'INVALID_CURSOR']);
    expect(await w.answer('GET', '/api/v1/notifications?limit=1000', 'owner')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await w.answer('POST', '/api/v1/notifications/read', 'owner', { ids: 'all' })).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
  });
});
