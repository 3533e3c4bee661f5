/**
 * Private accounts on one backend set, through the HTTP API: a follow becomes a request the owner lists,
 * approves or denies and the requester cancels, with notifications; the account's videos, grid, liked
 * list and people lists across the access matrix (owner, approved follower, pending requester,
 * stranger, blocked, moderator, anonymous) on every surface (direct fetch, comments, likes, profile,
 * search, hashtag pages, trending, feeds, playback tokens and the origin); switching back to public;
 * and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../core/testing/wait-for.ts';
import type { BackendSet } from '../../api/testing/harness.ts';
import { moderationWorld, type Who } from '../../moderation/testing/world.ts';

const VIEWERS = ['owner', 'follower', 'requester', 'stranger', 'blocked', 'moderator', 'anonymous'] as const;

export function describePrivateAccounts(set: BackendSet) {
  describe(`private accounts (${set})`, () => {
    let w: Awaited<ReturnType<typeof moderationWorld>>;
    let video = '';
    const status = async (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, who: Who, body?: object) => {
      const res = await w.call(method, url, who, body);
      return res.statusCode >= 400 ? `${res.statusCode} ${res.json().error.code}` : res.statusCode;
    };
    const ids = async (url: string, who: Who) => {
      const res = await w.call('GET', url, who);
      return res.statusCode === 200
        ? (res.json().items as { id?: string; user?: { id: string } }[]).map((i) => i.id ?? i.user?.id)
        : `${res.statusCode} ${res.json().error.code}`;
    };
    const matrix = async (see: (who: Who) => Promise<unknown>) => {
      const out: Record<string, unknown> = {};
      for (const who of VIEWERS) out[who] = await see(who);
      return out;
    };
    const notes = async (who: Who) =>
      (await w.call('GET', '/api/v1/notifications', who)).json().items.map((n: { type: string }) => n.type);

    const feed = async (who: Who, type: string, device = 'private-test-device') => {
      const url = `/api/v1/feed?feed_type=${type}&limit=50`;
      const res =
        who === 'anonymous'
          ? await w.t.app.inject({ method: 'GET', url, headers: { 'x-device-id': device } })
          : await w.call('GET', url, who);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((i: { id: string }) => i.id);
    };

    beforeAll(async () => {
      // The follower follows the owner while the account is public (moderationWorld); the owner blocked `blocked`.
      w = await moderationWorld(`private-${set}`, { MEDIA_ACCESS_CACHE_MS: '0' }, set);
      await w.register('requester');
      video = await w.readyVideo('owner');
      await w.call('PATCH', `/api/v1/videos/${video}`, 'owner', { caption: 'private life #secretgarden' });
      await w.call('POST', `/api/v1/videos/${video}/like`, 'owner');
      await w.call('PATCH', '/api/v1/me/settings', 'owner', { likes_public: true });
      expect((await w.call('PATCH', '/api/v1/me/settings', 'owner', { private: true })).json()).toEqual({
        likes_public: true,
        private: true,
      });
    }, 120_000);
    afterAll(() => w?.t.cleanup(), 60_000);

    it('turns a follow of a private account into a request the owner is told of and lists', async () => {
      const res = await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'requester');
      expect(res.json()).toEqual({ following: false, requested: true, follower_count: 1 });
      expect((await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'requester')).json().requested).toBe(true);
      const profile = (await w.call('GET', `/api/v1/users/${w.id.owner}`, 'requester')).json();
      expect([profile.private, profile.follow_requested, profile.followed_by_viewer]).toEqual([true, true, false]);
      expect((await notes('owner')).filter((t: string) => t === 'follow_request')).toHaveLength(1);
      const list = (await w.call('GET', '/api/v1/me/follow-requests', 'owner')).json();
      expect(list.items.map((i: { user: { handle: string } }) => i.user.handle)).toEqual(['requester_u']);
      expect(list.next_cursor).toBeNull();
      expect(await ids('/api/v1/me/follow-requests', 'stranger')).toEqual([]);
    });

    it('shows a private account’s video only to its owner and approved followers, on every surface', async () => {
      const visible = { owner: 200, follower: 200, requester: '404 VIDEO_NOT_FOUND', stranger: '404 VIDEO_NOT_FOUND' };
      const hidden = {
        blocked: '404 VIDEO_NOT_FOUND',
        moderator: '404 VIDEO_NOT_FOUND',
        anonymous: '404 VIDEO_NOT_FOUND',
      };
      expect(await matrix((who) => status('GET', `/api/v1/videos/${video}`, who))).toEqual({ ...visible, ...hidden });
      expect(await matrix((who) => status('GET', `/api/v1/videos/${video}/comments`, who))).toEqual({
        ...visible,
        ...hidden,
      });
      expect(await matrix((who) => status('POST', `/api/v1/videos/${video}/like`, who))).toEqual({
        owner: 200,
        follower: 200,
        requester: '404 VIDEO_NOT_FOUND',
        stranger: '404 VIDEO_NOT_FOUND',
        // Hidden by the account's privacy even without the block, so nothing new leaks by a 403.
        blocked: '404 VIDEO_NOT_FOUND',
        moderator: '404 VIDEO_NOT_FOUND',
        anonymous: '401 UNAUTHENTICATED',
      });
      const mine = [video];
      const none: string[] = [];
      const grid = { owner: mine, follower: mine, requester: none, stranger: none, moderator: none, anonymous: none };
      expect(await matrix((who) => ids(`/api/v1/users/${w.id.owner}/videos`, who))).toEqual({
        ...grid,
        blocked: '404 USER_NOT_FOUND',
      });
      expect(await matrix((who) => ids('/api/v1/search/videos?q=private%20life', who))).toEqual({
        ...grid,
        blocked: none,
      });
      expect(await matrix((who) => ids('/api/v1/hashtags/secretgarden/videos', who))).toEqual({
        ...grid,
        blocked: none,
      });
      // Counts and trending are the same for everyone: what anyone may open, so nothing of a private account.
      expect((await w.call('GET', '/api/v1/hashtags/secretgarden', 'follower')).json().video_count).toBe(0);
      const trending = (await w.call('GET', '/api/v1/trending/hashtags', 'follower')).json().items;
      expect(trending.map((t: { tag: string }) => t.tag)).not.toContain('secretgarden');
      const suggestions = (await w.call('GET', '/api/v1/search/suggestions?q=secret', 'follower')).json();
      expect(suggestions.tags).toEqual([]);
    });

    it('keeps a private account’s video out of everyone’s feeds but its approved followers’', async () => {
      // The catalogue refreshes every ~2 s: the follower's Following feed shows the video once it is in.
      await waitFor('the video in the follower’s Following feed', async () =>
        (await feed('follower', 'following')).includes(video),
      );
      for (const who of ['requester', 'stranger', 'moderator', 'anonymous', 'blocked'] as const) {
        expect({ who, has: (await feed(who, 'for_you')).includes(video) }).toEqual({ who, has: false });
      }
    });

    it('closes a private account’s liked list and people lists to all but its owner and approved followers', async () => {
      const closed = '403 ACCOUNT_PRIVATE';
      const base = {
        requester: closed,
        stranger: closed,
        moderator: closed,
        anonymous: closed,
        blocked: '404 USER_NOT_FOUND',
      };
      expect(await matrix((who) => ids(`/api/v1/users/${w.id.owner}/likes`, who))).toEqual({
        owner: [video],
        follower: [video],
        ...base,
      });
      expect(await matrix((who) => ids(`/api/v1/users/${w.id.owner}/followers`, who))).toEqual({
        owner: [w.id.follower],
        follower: [w.id.follower],
        ...base,
      });
      expect(await matrix((who) => ids(`/api/v1/users/${w.id.owner}/following`, who))).toEqual({
        owner: [],
        follower: [],
        ...base,
      });
      // The profile itself stays readable (handle, counts, whether it is private), with a video count per viewer.
      expect((await w.call('GET', `/api/v1/users/${w.id.owner}`, 'stranger')).json()).toMatchObject({
        private: true,
        video_count: 0,
        follower_count: 1,
      });
    });

    it('gives playback tokens to approved followers only, and the origin refuses them once the follow ends', async () => {
      await w.t.deps.objects.put(`videos/${video}/v1/master.m3u8`, Buffer.from('#EXTM3U\n'));
      const got = (await w.call('GET', `/api/v1/videos/${video}`, 'follower')).json();
      const master = new URL(got.playback.master_url);
      expect(master.searchParams.get('token')).toBeTruthy();
      const play = async (url: string) => (await w.t.app.inject({ method: 'GET', url })).statusCode;
      expect(await play(master.pathname + master.search)).toBe(200);
      // The bare URL the account had while public is closed: no token, no media.
      expect(await play(master.pathname)).toBe(404);
      await w.call('DELETE', `/api/v1/users/${w.id.owner}/follow`, 'follower');
      expect(await play(master.pathname + master.search)).toBe(404);
      // Asking again is a request, not a follow: still refused until approved.
      expect((await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'follower')).json().requested).toBe(true);
      expect(await play(master.pathname + master.search)).toBe(404);
      expect(await status('POST', `/api/v1/me/follow-requests/${w.id.follower}/approve`, 'owner')).toBe(200);
      expect(await play(master.pathname + master.search)).toBe(200);
    });

    it('approves, denies and cancels requests, telling the requester of an approval only', async () => {
      await w.register('asker');
      await w.register('canceller');
      for (const who of ['asker', 'canceller']) await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, who);
      expect(await status('DELETE', `/api/v1/users/${w.id.owner}/follow`, 'canceller')).toBe(200);
      expect(await status('POST', `/api/v1/me/follow-requests/${w.id.canceller}/approve`, 'owner')).toBe(
        '404 FOLLOW_REQUEST_NOT_FOUND',
      );
      expect(await status('POST', `/api/v1/me/follow-requests/${w.id.requester}/deny`, 'owner')).toBe(200);
      expect(await status('POST', `/api/v1/me/follow-requests/${w.id.requester}/deny`, 'owner')).toBe(
        '404 FOLLOW_REQUEST_NOT_FOUND',
      );
      expect(await status('GET', `/api/v1/videos/${video}`, 'requester')).toBe('404 VIDEO_NOT_FOUND');
      expect(await notes('requester')).not.toContain('follow_approved');
      expect((await w.call('POST', `/api/v1/me/follow-requests/${w.id.asker}/approve`, 'owner')).json()).toEqual({
        approved: true,
      });
      expect(await notes('asker')).toContain('follow_approved');
      expect(await status('GET', `/api/v1/videos/${video}`, 'asker')).toBe(200);
      expect((await w.call('GET', `/api/v1/users/${w.id.owner}`, 'asker')).json().followed_by_viewer).toBe(true);
      // Only the owner decides: another user approving the same requester finds nothing pending for them.
      expect(await status('POST', `/api/v1/me/follow-requests/${w.id.asker}/approve`, 'stranger')).toBe(
        '404 FOLLOW_REQUEST_NOT_FOUND',
      );
    });

    it('drops requests either way with a block, and refuses a request across one', async () => {
      await w.register('pest');
      await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'pest');
      await w.call('POST', `/api/v1/users/${w.id.pest}/block`, 'owner');
      expect(await ids('/api/v1/me/follow-requests', 'owner')).not.toContain(w.id.pest);
      expect(await status('POST', `/api/v1/users/${w.id.owner}/follow`, 'pest')).toBe('403 BLOCKED');
    });

    it('approves every pending request when the account goes public, and opens its videos again', async () => {
      await w.register('late');
      await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'late');
      expect(await status('GET', `/api/v1/videos/${video}`, 'anonymous')).toBe('404 VIDEO_NOT_FOUND');
      expect((await w.call('PATCH', '/api/v1/me/settings', 'owner', { private: false })).json().private).toBe(false);
      expect(await ids('/api/v1/me/follow-requests', 'owner')).toEqual([]);
      expect((await w.call('GET', `/api/v1/users/${w.id.owner}`, 'late')).json().followed_by_viewer).toBe(true);
      expect(await notes('late')).toContain('follow_approved');
      expect(await status('GET', `/api/v1/videos/${video}`, 'anonymous')).toBe(200);
      expect((await w.call('GET', '/api/v1/hashtags/secretgarden', 'anonymous')).json().video_count).toBe(1);
      // The catalogue picks the switch up by the videos' updated_at: For You serves it to anyone again.
      await waitFor('the video in an anonymous For You', async () =>
        (await feed('anonymous', 'for_you', `device-${Date.now()}`)).includes(video),
      );
      // A public account's follow is immediate again.
      const res = await w.call('POST', `/api/v1/users/${w.id.owner}/follow`, 'requester');
      expect(res.json()).toMatchObject({ following: true, requested: false });
      // Back to private: existing followers stay approved; a video uploaded now carries the account's privacy.
      await w.call('PATCH', '/api/v1/me/settings', 'owner', { private: true });
      const fresh = await w.readyVideo('owner');
      expect(await status('GET', `/api/v1/videos/${fresh}`, 'requester')).toBe(200);
      expect(await status('GET', `/api/v1/videos/${fresh}`, 'stranger')).toBe('404 VIDEO_NOT_FOUND');
    });

    it('refuses bad input with a 4xx and a stable code', async () => {
      expect(await status('GET', '/api/v1/me/follow-requests', 'anonymous')).toBe('401 UNAUTHENTICATED');
      expect(await status('POST', `/api/v1/me/follow-requests/${w.id.stranger}/approve`, 'anonymous')).toBe(
        '401 UNAUTHENTICATED',
      );
      expect(await status('POST', '/api/v1/me/follow-requests/bad%20id/approve', 'owner')).toBe(
        '400 VALIDATION_FAILED',
      );
      expect(await status('POST', '/api/v1/me/follow-requests/nobody/deny', 'owner')).toBe(
        '404 FOLLOW_REQUEST_NOT_FOUND',
      );
      expect(await status('GET', '/api/v1/me/follow-requests?limit=0', 'owner')).toBe('400 VALIDATION_FAILED');
      expect(await status('GET', '/api/v1/me/follow-requests?cursor=%21%21', 'owner')).toBe('400 INVALID_CURSOR');
      expect(await status('PATCH', '/api/v1/me/settings', 'owner', { private: 'yes' })).toBe('400 VALIDATION_FAILED');
      expect(await status('PATCH', '/api/v1/me/settings', 'anonymous', { private: true })).toBe('401 UNAUTHENTICATED');
    });
  });
}
