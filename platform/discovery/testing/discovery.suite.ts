/**
 * The discovery routes on one backend set: hashtags from captions, the access matrix (owner, friend,
 * follower, stranger, blocked, moderator, anonymous) on search and hashtag pages, recent and top order,
 * cursors, trending, user search and suggestions, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSet } from '../../api/testing/harness.ts';
import { VideoCounters } from '../../engagement/counters.ts';
import { markVideoReadyWithoutMedia } from '../../media/testing/ready-video.ts';
import { moderationWorld, type Who } from '../../moderation/testing/world.ts';

export function describeDiscoveryRoutes(set: BackendSet) {
  describe(`discovery routes (${set})`, () => {
    let w: Awaited<ReturnType<typeof moderationWorld>>;
    const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((i) => i.id);
    const sql = (text: string, params: string[]) => w.t.deps.metadata.run(text, params);

    async function upload(who: Who, caption: string, privacy: 'public' | 'friends' | 'private' = 'public') {
      const res = await w.call('POST', '/api/v1/videos', who, { caption, privacy });
      const id = res.json().video_id as string;
      await markVideoReadyWithoutMedia(w.t.deps.metadata, id);
      return id;
    }

    beforeAll(async () => {
      w = await moderationWorld(`discovery-${set}`, {}, set);
      await w.register('friend');
      await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'friend');
      await w.call('POST', `/api/v1/users/${w.id.friend}/follow`, 'owner');
    }, 120_000);
    afterAll(() => w?.t.cleanup(), 60_000);

    it('stores the #tags a caption names as hashtags, and finds the video by them', async () => {
      const id = await upload('owner', 'Sunset #Beach and #surf');
      expect((await w.call('GET', `/api/v1/videos/${id}`, 'owner')).json().hashtags).toEqual(['beach', 'surf']);
      expect(ids(await w.call('GET', '/api/v1/hashtags/%23BEACH/videos', 'anonymous'))).toEqual([id]);
      expect(ids(await w.call('GET', '/api/v1/search/videos?q=sunset%20surf', 'anonymous'))).toEqual([id]);
      expect((await w.call('GET', '/api/v1/hashtags/beach', 'anonymous')).json()).toEqual({
        tag: 'beach',
        video_count: 1,
      });
    });

    it('lists only what the one access rule lets each viewer open, on search and hashtag pages', async () => {
      const pub = await upload('owner', 'matrix public #matrix');
      const friends = await upload('owner', 'matrix friends #matrix', 'friends');
      const priv = await upload('owner', 'matrix private #matrix', 'private');
      const removed = await upload('owner', 'matrix removed #matrix');
      await sql("UPDATE videos SET moderation = 'removed' WHERE id = $1", [removed]);
      const expected: Record<string, string[]> = {
        owner: [pub, friends, priv].sort(),
        friend: [pub, friends].sort(),
        follower: [pub],
        stranger: [pub],
        blocked: [],
        moderator: [pub],
        anonymous: [pub],
      };
      for (const [who, want] of Object.entries(expected)) {
        const tagged = ids(await w.call('GET', '/api/v1/hashtags/matrix/videos', who)).sort();
        const found = ids(await w.call('GET', '/api/v1/search/videos?q=matrix', who)).sort();
        expect({ who, tagged, found }).toEqual({ who, tagged: want, found: want });
      }
      expect((await w.call('GET', '/api/v1/hashtags/matrix', 'anonymous')).json().video_count).toBe(1);
    });

    it('orders a tag recent (newest first) or top (most liked), one page at a time', async () => {
      const [a, b, c] = [
        await upload('owner', '#order a'),
        await upload('owner', '#order b'),
        await upload('owner', '#order c'),
      ];
      for (const who of ['stranger', 'follower']) await w.call('POST', `/api/v1/videos/${b}/like`, who);
      await w.call('POST', `/api/v1/videos/${a}/like`, 'stranger');
      // Top ranks by the written-behind counts; the background flush runs every few seconds.
      await new VideoCounters(w.t.deps).flush();
      const walk = async (sort: string) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res = await w.call(
            'GET',
            `/api/v1/hashtags/order/videos?sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
            'anonymous',
          );
          seen.push(...ids(res));
          cursor = res.json().next_cursor;
        } while (cursor && seen.length < 10);
        return seen;
      };
      expect(await walk('recent')).toEqual([c, b, a]);
      expect(await walk('top')).toEqual([b, a, c]);
      const card = (await w.call('GET', '/api/v1/hashtags/order/videos?sort=top', 'anonymous')).json().items[0];
      expect(card).toMatchObject({ id: b, author: { handle: 'owner_u' }, hashtags: ['order'], stats: { likes: 2 } });
    });

    it('ranks trending hashtags by recent activity and leaves limited videos out', async () => {
      const hot = await upload('stranger', '#hottopic');
      await upload('stranger', '#hiddentopic');
      const limited = await upload('stranger', '#hiddentopic #limitedtopic');
      await sql("UPDATE videos SET moderation = 'limited' WHERE id = $1", [limited]);
      for (const who of ['owner', 'follower', 'friend']) await w.call('POST', `/api/v1/videos/${hot}/like`, who);
      const items = (await w.call('GET', '/api/v1/trending/hashtags?limit=50', 'anonymous')).json().items;
      const tags = items.map((t: { tag: string }) => t.tag);
      expect(items.find((t: { tag: string }) => t.tag === 'hottopic')).toMatchObject({
        videos: 1,
        likes: 3,
        score: 11,
      });
      expect(tags.indexOf('hottopic')).toBeLessThan(tags.indexOf('hiddentopic'));
      expect(tags).not.toContain('limitedtopic');
    });

    it('finds users by handle prefix, never across a block, and suggests tags and handles', async () => {
      const handles = async (q: string, who: Who) =>
        (await w.call('GET', `/api/v1/search/users?q=${encodeURIComponent(q)}`, who))
          .json()
          .items.map((u: { handle: string }) => u.handle);
      expect(await handles('@owner', 'stranger')).toEqual(['owner_u']);
      expect(await handles('OWN', 'anonymous')).toEqual(['owner_u']);
      expect(await handles('owner', 'blocked')).toEqual([]);
      expect(await handles('blocked', 'owner')).toEqual([]);
      expect(await handles('blocked', 'stranger')).toEqual(['blocked_u']);
      const s = (await w.call('GET', '/api/v1/search/suggestions?q=%23matr', 'anonymous')).json();
      expect(s).toEqual({ tags: [{ tag: 'matrix', video_count: 1 }], users: [] });
      const u = (await w.call('GET', '/api/v1/search/suggestions?q=%40fri', 'anonymous')).json();
      expect(u).toEqual({ tags: [], users: [expect.objectContaining({ handle: 'friend_u' })] });
    });

    it('answers bad input with 400 and a stable code', async () => {
      const code = async (url: string) => {
        const res = await w.call('GET', url, 'anonymous');
        return [res.statusCode, res.json().error?.code];
      };
      expect(await code('/api/v1/search/videos?q=')).toEqual([400, 'VALIDATION_FAILED']);
      expect(await code('/api/v1/search/videos')).toEqual([400, 'VALIDATION_FAILED']);
      expect(await code(`/api/v1/search/videos?q=${'a'.repeat(201)}`)).toEqual([400, 'VALIDATION_FAILED']);
      expect(await code('/api/v1/search/videos?q=cats&cursor=nope')).toEqual([400, 'INVALID_CURSOR']);
      expect(await code('/api/v1/hashtags/order/videos?cursor=bm9wZQ')).toEqual([400, 'INVALID_CURSOR']);
      expect(await code('/api/v1/hashtags/bad%20tag!/videos')).toEqual([400, 'VALIDATION_FAILED']);
      expect(await code('/api/v1/hashtags/order/videos?sort=best')).toEqual([400, 'VALIDATION_FAILED']);
      expect(await code('/api/v1/trending/hashtags?limit=0')).toEqual([400, 'VALIDATION_FAILED']);
      // Punctuation alone is no word: an empty result, not an error.
      expect((await w.call('GET', '/api/v1/search/videos?q=%23%21', 'anonymous')).json()).toEqual({
        items: [],
        next_cursor: null,
      });
    });
  });
}
