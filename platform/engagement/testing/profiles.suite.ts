/**
 * The profile lists on one backend set: a user's videos, liked videos (private until the user opens
 * them), followers and following, through the access matrix (owner, friend, follower, stranger, blocked,
 * moderator, anonymous), with cursors and bad input; and each video's comment setting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSet } from '../../api/testing/harness.ts';
import { moderationWorld, type Who } from '../../moderation/testing/world.ts';

export function describeProfileRoutes(set: BackendSet) {
  describe(`profile routes (${set})`, () => {
    let w: Awaited<ReturnType<typeof moderationWorld>>;
    const v: Record<string, string> = {};
    const list = async (url: string, who: Who) => {
      const res = await w.call('GET', url, who);
      return res.statusCode === 200
        ? res.json().items.map((i: { id: string }) => i.id)
        : [res.statusCode, res.json().error.code];
    };

    beforeAll(async () => {
      w = await moderationWorld(`profiles-${set}`, {}, set);
      await w.register('friend');
      await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'friend');
      await w.call('POST', `/api/v1/users/${w.id.friend}/follow`, 'owner');
      for (const privacy of ['public', 'friends', 'private'] as const)
        v[privacy] = await w.readyVideo('owner', privacy);
      v.processing = (await w.call('POST', '/api/v1/videos', 'owner', { caption: 'still processing' })).json().video_id;
      v.removed = await w.readyVideo('owner');
      await w.t.deps.metadata.run("UPDATE videos SET moderation = 'removed' WHERE id = $1", [v.removed!]);
    }, 120_000);
    afterAll(() => w?.t.cleanup(), 60_000);

    it("lists a user's videos newest first, each viewer only what the access rule lets them open", async () => {
      const url = `/api/v1/users/${w.id.owner}/videos`;
      const expected: Record<string, unknown> = {
        owner: [v.processing, v.private, v.friends, v.public],
        friend: [v.friends, v.public],
        follower: [v.public],
        stranger: [v.public],
        moderator: [v.public],
        anonymous: [v.public],
        blocked: [404, 'USER_NOT_FOUND'],
      };
      for (const [who, want] of Object.entries(expected))
        expect({ who, got: await list(url, who) }).toEqual({ who, got: want });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await w.call('GET', `${url}?limit=1${cursor ? `&cursor=${cursor}` : ''}`, 'owner');
        seen.push(...res.json().items.map((i: { id: string }) => i.id));
        cursor = res.json().next_cursor;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual(expected.owner);
    });

    it('keeps liked videos private until the user makes them public, then shows only what each may open', async () => {
      for (const id of [v.public, v.friends]) await w.call('POST', `/api/v1/videos/${id}/like`, 'friend');
      const url = `/api/v1/users/${w.id.friend}/likes`;
      expect(await list(url, 'friend')).toEqual([v.friends, v.public]);
      expect(await list(url, 'stranger')).toEqual([403, 'LIKES_PRIVATE']);
      expect(await list(url, 'anonymous')).toEqual([403, 'LIKES_PRIVATE']);
      expect((await w.call('GET', '/api/v1/me/settings', 'friend')).json()).toEqual({
        likes_public: false,
        private: false,
      });
      const res = await w.call('PATCH', '/api/v1/me/settings', 'friend', { likes_public: true });
      expect(res.json()).toEqual({ likes_public: true, private: false });
      expect((await w.call('GET', `/api/v1/users/${w.id.friend}`, 'anonymous')).json().likes_public).toBe(true);
      expect(await list(url, 'stranger')).toEqual([v.public]);
      expect(await list(url, 'anonymous')).toEqual([v.public]);
      expect(await list(url, 'owner')).toEqual([v.friends, v.public]);
    });

    it('lists followers and following, newest first, leaving out users across a block with the viewer', async () => {
      const followers = `/api/v1/users/${w.id.owner}/followers`;
      expect(await list(followers, 'anonymous')).toEqual([w.id.friend, w.id.follower]);
      expect(await list(`/api/v1/users/${w.id.owner}/following`, 'anonymous')).toEqual([w.id.friend]);
      expect(await list(`/api/v1/users/${w.id.follower}/following`, 'stranger')).toEqual([w.id.owner]);
      await w.call('POST', `/api/v1/users/${w.id.friend}/block`, 'stranger');
      expect(await list(followers, 'stranger')).toEqual([w.id.follower]);
      expect(await list(followers, 'blocked')).toEqual([404, 'USER_NOT_FOUND']);
      const page = (await w.call('GET', `${followers}?limit=1`, 'anonymous')).json();
      expect(page.items).toEqual([{ id: w.id.friend, handle: 'friend_u', display_name: expect.any(String) }]);
      expect(await list(`${followers}?limit=1&cursor=${page.next_cursor}`, 'anonymous')).toEqual([w.id.follower]);
    });

    it("holds comments to the video's setting: everyone, followers or off, the author always allowed", async () => {
      const video = await w.readyVideo('owner');
      const comment = async (who: Who) => {
        const res = await w.call('POST', `/api/v1/videos/${video}/comments`, who, { content: 'hi' });
        return res.statusCode === 201 ? 201 : [res.statusCode, res.json().error.code];
      };
      const setTo = async (setting: string) =>
        (await w.call('PATCH', `/api/v1/videos/${video}`, 'owner', { comment_setting: setting })).json()
          .comment_setting;
      expect((await w.call('GET', `/api/v1/videos/${video}`, 'stranger')).json().comment_setting).toBe('everyone');
      expect(await comment('stranger')).toBe(201);
      expect(await setTo('followers')).toBe('followers');
      expect(await comment('follower')).toBe(201);
      expect(await comment('stranger')).toEqual([403, 'COMMENTS_FOLLOWERS_ONLY']);
      expect(await comment('owner')).toBe(201);
      expect(await setTo('off')).toBe('off');
      expect(await comment('follower')).toEqual([403, 'COMMENTS_OFF']);
      expect(await comment('owner')).toBe(201);
      expect(await comment('blocked')).toEqual([403, 'BLOCKED']);
      expect(await comment('anonymous')).toEqual([401, 'UNAUTHENTICATED']);
      expect(
        (await w.call('PATCH', `/api/v1/videos/${video}`, 'owner', { comment_setting: 'friends' })).statusCode,
      ).toBe(400);
      const created = await w.call('POST', '/api/v1/videos', 'owner', { caption: 'quiet', comment_setting: 'off' });
      const id = created.json().video_id;
      expect((await w.call('GET', `/api/v1/videos/${id}`, 'owner')).json().comment_setting).toBe('off');
    });

    it('answers bad input with 4xx and a stable code', async () => {
      const code = async (method: 'GET' | 'PATCH', url: string, who: Who, body?: object) => {
        const res = await w.call(method, url, who, body);
        return [res.statusCode, res.json().error?.code];
      };
      expect(await code('GET', '/api/v1/users/nobody/videos', 'anonymous')).toEqual([404, 'USER_NOT_FOUND']);
      expect(await code('GET', `/api/v1/users/${w.id.owner}/videos?cursor=bad`, 'anonymous')).toEqual([
        400,
        'INVALID_CURSOR',
      ]);
      expect(await code('GET', `/api/v1/users/${w.id.owner}/followers?limit=51`, 'anonymous')).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
      expect(await code('GET', '/api/v1/users/a%20b/likes', 'anonymous')).toEqual([400, 'VALIDATION_FAILED']);
      expect(await code('PATCH', '/api/v1/me/settings', 'anonymous', { likes_public: true })).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
      expect(await code('PATCH', '/api/v1/me/settings', 'owner', { likes_public: 'yes' })).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
      expect(await code('PATCH', '/api/v1/me/settings', 'owner', { other: 1 })).toEqual([400, 'VALIDATION_FAILED']);
    });
  });
}
