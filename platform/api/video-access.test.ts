/**
 * The access table through the HTTP API: every kind of viewer against every privacy, read through the
 * video API (`GET /videos/:id`) and the engagement look-ups (`GET /videos/:id/comments`, and a like for
 * signed-in viewers). One rule (`domain/access.ts`) decides all of them, so the answers must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Privacy } from '../../domain/access.ts';
import { videosRepo } from '../media/videos.repo.ts';
import { buildTestApp } from './testing/harness.ts';

type Viewer = 'owner' | 'follower' | 'mutual' | 'stranger' | 'blocked' | 'blocker' | 'anonymous';
const PRIVACIES: readonly Privacy[] = ['public', 'friends', 'private'];

/** 200 where the viewer may see the video, 404 (as for a video that does not exist) elsewhere. */
const TABLE: Record<Viewer, Record<Privacy, 200 | 404>> = {
  owner: { public: 200, friends: 200, private: 200 },
  follower: { public: 200, friends: 404, private: 404 },
  mutual: { public: 200, friends: 200, private: 404 },
  stranger: { public: 200, friends: 404, private: 404 },
  // Mutual followers before the block (which removed those follows), so the block is what hides the videos.
  blocked: { public: 404, friends: 404, private: 404 },
  blocker: { public: 404, friends: 404, private: 404 },
  anonymous: { public: 200, friends: 404, private: 404 },
};

describe('who may see a video, through the HTTP API', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const token: Partial<Record<Viewer, string>> = {};
  const userId: Partial<Record<Viewer, string>> = {};
  const video: Partial<Record<Privacy, string>> = {};

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who: Viewer, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: token[who] ? { authorization: `Bearer ${token[who]}` } : {},
      ...(payload ? { payload } : {}),
    });

  beforeAll(async () => {
    t = await buildTestApp('embedded', 'video-access', {
      EMBEDDED_WORKERS: 'false',
      RATE_LIMIT_USER_PER_MIN: '1000000',
      RATE_LIMIT_IP_PER_MIN: '1000000',
      RATE_LIMIT_AUTH_PER_MIN: '1000000',
    });
    for (const who of ['owner', 'follower', 'mutual', 'stranger', 'blocked', 'blocker'] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { handle: `${who}_user`, password: 'a long password' },
      });
      expect(res.statusCode).toBe(201);
      token[who] = res.json().token;
      userId[who] = res.json().user.id;
    }
    const follow = async (who: Viewer, whom: Viewer) =>
      expect((await call('POST', `/api/v1/users/${userId[whom]}/follow`, who)).statusCode).toBe(200);
    await follow('follower', 'owner');
    for (const who of ['mutual', 'blocked', 'blocker'] as const) {
      await follow(who, 'owner');
      await follow('owner', who);
    }
    expect((await call('POST', `/api/v1/users/${userId.blocked}/block`, 'owner')).json()).toEqual({ blocked: true });
    expect((await call('POST', `/api/v1/users/${userId.owner}/block`, 'blocker')).json()).toEqual({ blocked: true });

    const repo = videosRepo(t.deps.metadata);
    for (const privacy of PRIVACIES) {
      const res = await call('POST', '/api/v1/videos', 'owner', { caption: privacy, privacy });
      expect(res.statusCode).toBe(201);
      const id = res.json().video_id as string;
      expect(await repo.markProcessing(id)).toBe(true);
      const ready = { durationMs: 10_000, width: 720, height: 1280, renditions: [], posterKey: 'p', now: Date.now() };
      expect(await repo.markReady(id, 1, ready)).toBe(true);
      video[privacy] = id;
    }
  });
  afterAll(async () => t?.cleanup());

  for (const [who, row] of Object.entries(TABLE) as [Viewer, Record<Privacy, 200 | 404>][]) {
    for (const privacy of PRIVACIES) {
      const want = row[privacy];
      it(`${who} × ${privacy} → ${want} from the video API and the engagement routes`, async () => {
        const id = video[privacy]!;
        const got = await call('GET', `/api/v1/videos/${id}`, who);
        expect(got.statusCode).toBe(want);
        if (want === 404) expect(got.json().error.code).toBe('VIDEO_NOT_FOUND');
        expect((await call('GET', `/api/v1/videos/${id}/comments`, who)).statusCode).toBe(want);
        if (who !== 'anonymous') {
          const like = await call('POST', `/api/v1/videos/${id}/like`, who);
          // A like across a block of a video visible without it is refused for the block (403 BLOCKED);
          // one hidden for another reason stays a 404, so the block leaks nothing new.
          const across = (who === 'blocked' || who === 'blocker') && privacy === 'public';
          expect([like.statusCode, like.json().error?.code]).toEqual(
            across ? [403, 'BLOCKED'] : [want, want === 404 ? 'VIDEO_NOT_FOUND' : undefined],
          );
          if (want === 200) await call('DELETE', `/api/v1/videos/${id}/like`, who);
        }
      });
    }
  }

  it('shows a video that is not ready only to its author', async () => {
    const res = await call('POST', '/api/v1/videos', 'owner', { privacy: 'public' });
    const id = res.json().video_id as string;
    expect((await call('GET', `/api/v1/videos/${id}`, 'owner')).statusCode).toBe(200);
    for (const who of ['mutual', 'stranger', 'anonymous'] as const) {
      expect((await call('GET', `/api/v1/videos/${id}`, who)).statusCode).toBe(404);
    }
  });

  it('lets a lifted block restore what the relation allows, follows not included', async () => {
    expect((await call('DELETE', `/api/v1/users/${userId.blocked}/block`, 'owner')).json()).toEqual({
      blocked: false,
    });
    expect((await call('GET', `/api/v1/videos/${video.public}`, 'blocked')).statusCode).toBe(200);
    // The block removed the mutual follow; friends-only comes back only when both follow again.
    expect((await call('GET', `/api/v1/videos/${video.friends}`, 'blocked')).statusCode).toBe(404);
    await call('POST', `/api/v1/users/${userId.owner}/follow`, 'blocked');
    await call('POST', `/api/v1/users/${userId.blocked}/follow`, 'owner');
    expect((await call('GET', `/api/v1/videos/${video.friends}`, 'blocked')).statusCode).toBe(200);
    expect((await call('POST', `/api/v1/users/${userId.blocked}/block`, 'owner')).statusCode).toBe(200);
    expect((await call('GET', `/api/v1/videos/${video.friends}`, 'blocked')).statusCode).toBe(404);
  });

  it('refuses to block yourself or an unknown user', async () => {
    const self = await call('POST', `/api/v1/users/${userId.owner}/block`, 'owner');
    expect([self.statusCode, self.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknown = await call('POST', '/api/v1/users/nobody_here/block', 'owner');
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'USER_NOT_FOUND']);
    expect((await call('POST', `/api/v1/users/${userId.owner}/block`, 'anonymous')).statusCode).toBe(401);
  });
});
