/**
 * Revocation of playback links already handed out, through the HTTP API: a viewer who loses access to a
 * friends-only video (a privacy edit, a deletion, a moderator's removal, an unfollow either way, a block either way) is refused
 * its playlist and segments by the origin within MEDIA_ACCESS_CACHE_MS, with the token still unexpired.
 * Time moves with the app's injected clock, never by sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedClock } from '../../core/clock.ts';
import { type BuiltApp, buildApp } from '../api/app.ts';
import { openTestDeps } from '../api/testing/harness.ts';
import { videosRepo } from './videos.repo.ts';

const CACHE_MS = 2000;
const clock = simulatedClock();
let built: BuiltApp;
let cleanup: () => Promise<void>;
let owner: { id: string; token: string };
let n = 0;

async function register(): Promise<{ id: string; token: string }> {
  const res = await built.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { handle: `viewer_${++n}`, password: 'a long password' },
  });
  expect(res.statusCode).toBe(201);
  return { id: res.json().user.id, token: res.json().token };
}

const call = (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, who?: { token: string }, payload?: object) =>
  built.app.inject({
    method,
    url,
    headers: who ? { authorization: `Bearer ${who.token}` } : {},
    ...(payload ? { payload } : {}),
  });

/** A fresh friends-only ready video of `owner` with a master playlist and one segment in the store. */
async function friendsVideo(): Promise<string> {
  const res = await call('POST', '/api/v1/videos', owner, { caption: 'friends', privacy: 'friends' });
  expect(res.statusCode).toBe(201);
  const id = res.json().video_id as string;
  await objects.put(
    `videos/${id}/v1/master.m3u8`,
    Buffer.from('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n96p/index.m3u8\n'),
  );
  await objects.put(`videos/${id}/v1/96p/seg_00000.ts`, Buffer.alloc(4096, 0x47));
  const repo = videosRepo(metadata);
  expect(await repo.markProcessing(id)).toBe(true);
  const ready = { durationMs: 2000, width: 96, height: 160, renditions: [], posterKey: 'p', now: clock.now() };
  expect(await repo.markReady(id, 1, ready)).toBe(true);
  return id;
}

let objects: Awaited<ReturnType<typeof openTestDeps>>['deps']['objects'];
let metadata: Awaited<ReturnType<typeof openTestDeps>>['deps']['metadata'];

/** A new mutual follower of `owner` and the media URLs the API gives them for `videoId`. */
async function friendWithLinks(videoId: string) {
  const friend = await register();
  expect((await call('POST', `/api/v1/users/${owner.id}/follow`, friend)).statusCode).toBe(200);
  expect((await call('POST', `/api/v1/users/${friend.id}/follow`, owner)).statusCode).toBe(200);
  const got = await call('GET', `/api/v1/videos/${videoId}`, friend);
  expect(got.statusCode).toBe(200);
  const master = new URL(got.json().playback.master_url);
  const token = master.searchParams.get('token')!;
  const urls = [master.pathname + master.search, `/media/videos/${videoId}/v1/96p/seg_00000.ts?token=${token}`];
  return { friend, urls };
}

async function statuses(urls: readonly string[]): Promise<[number, string | undefined][]> {
  return Promise.all(
    urls.map(async (url) => {
      const res = await built.app.inject({ method: 'GET', url });
      return [res.statusCode, res.statusCode === 200 ? undefined : res.json().error.code] as [
        number,
        string | undefined,
      ];
    }),
  );
}

const SERVED: [number, undefined][] = [
  [200, undefined],
  [200, undefined],
];
const REFUSED: [number, string][] = [
  [404, 'VIDEO_NOT_FOUND'],
  [404, 'VIDEO_NOT_FOUND'],
];

beforeAll(async () => {
  const opened = await openTestDeps('embedded', 'playback-revocation', {
    EMBEDDED_WORKERS: 'false',
    MEDIA_ACCESS_CACHE_MS: String(CACHE_MS),
    RATE_LIMIT_USER_PER_MIN: '1000000',
    RATE_LIMIT_IP_PER_MIN: '1000000',
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
  });
  ({ objects, metadata } = opened.deps);
  built = await buildApp({ ...opened.deps, clock });
  cleanup = async () => {
    await built.app.close();
    await opened.cleanup();
  };
  owner = await register();
});
afterAll(async () => cleanup?.());

describe('a playback link already issued, after the viewer loses access', () => {
  it('keeps serving a friend whose access is unchanged, past the cache lifetime', async () => {
    const { urls } = await friendWithLinks(await friendsVideo());
    expect(await statuses(urls)).toEqual(SERVED);
    clock.advance(CACHE_MS * 3);
    expect(await statuses(urls)).toEqual(SERVED);
  });

  it('stops at once when the video becomes private', async () => {
    const id = await friendsVideo();
    const { urls } = await friendWithLinks(id);
    expect(await statuses(urls)).toEqual(SERVED);
    expect((await call('PATCH', `/api/v1/videos/${id}`, owner, { privacy: 'private' })).statusCode).toBe(200);
    expect(await statuses(urls)).toEqual(REFUSED);
  });

  it('stops at once when the video is deleted', async () => {
    const id = await friendsVideo();
    const { urls } = await friendWithLinks(id);
    expect(await statuses(urls)).toEqual(SERVED);
    expect((await call('DELETE', `/api/v1/videos/${id}`, owner)).statusCode).toBe(204);
    expect(await statuses(urls)).toEqual(REFUSED);
  });

  it('stops at once when a moderator removes the video, and serves again when an appeal restores it', async () => {
    const id = await friendsVideo();
    const { urls } = await friendWithLinks(id);
    expect(await statuses(urls)).toEqual(SERVED);
    await metadata.run("UPDATE videos SET moderation = 'removed' WHERE id = $1", [id]);
    expect(await statuses(urls)).toEqual(REFUSED);
    await metadata.run("UPDATE videos SET moderation = 'none' WHERE id = $1", [id]);
    expect(await statuses(urls)).toEqual(SERVED);
  });

  const revocations: [string, (friend: { id: string; token: string }) => Promise<number>][] = [
    [
      'the viewer unfollows the author',
      async (f) => (await call('DELETE', `/api/v1/users/${owner.id}/follow`, f)).statusCode,
    ],
    [
      'the author unfollows the viewer',
      async (f) => (await call('DELETE', `/api/v1/users/${f.id}/follow`, owner)).statusCode,
    ],
    [
      'the author blocks the viewer',
      async (f) => (await call('POST', `/api/v1/users/${f.id}/block`, owner)).statusCode,
    ],
    [
      'the viewer blocks the author',
      async (f) => (await call('POST', `/api/v1/users/${owner.id}/block`, f)).statusCode,
    ],
  ];
  it.each(revocations)('stops within MEDIA_ACCESS_CACHE_MS when %s', async (_, revoke) => {
    const id = await friendsVideo();
    const { friend, urls } = await friendWithLinks(id);
    expect(await statuses(urls)).toEqual(SERVED);
    expect(await revoke(friend)).toBe(200);
    expect((await call('GET', `/api/v1/videos/${id}`, friend)).statusCode).toBe(404);
    clock.advance(CACHE_MS);
    expect(await statuses(urls)).toEqual(REFUSED);
  });

  it('serves a token again once access is restored (a new follow), within the same bound', async () => {
    const id = await friendsVideo();
    const { friend, urls } = await friendWithLinks(id);
    expect(await statuses(urls)).toEqual(SERVED);
    await call('DELETE', `/api/v1/users/${owner.id}/follow`, friend);
    clock.advance(CACHE_MS);
    expect(await statuses(urls)).toEqual(REFUSED);
    await call('POST', `/api/v1/users/${owner.id}/follow`, friend);
    clock.advance(CACHE_MS);
    expect(await statuses(urls)).toEqual(SERVED);
  });

  it("refuses one viewer's token once moved onto another video", async () => {
    const { urls } = await friendWithLinks(await friendsVideo());
    const other = await friendsVideo();
    const moved = urls.map((u) => u.replace(/videos\/[0-9a-z]{26}\//, `videos/${other}/`));
    expect(await statuses(moved)).toEqual(REFUSED);
  });
});
