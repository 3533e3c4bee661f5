import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../core/queue/ports.ts';
import {
  buildMediaApp,
  follow,
  type MediaTestEnv,
  makeClip,
  multipartBody,
  newUserId,
  openMediaTestEnv,
  TEST_USER_HEADER,
  uploadThroughApi,
  waitSettled,
} from './testing/media.testkit.ts';
import { startTranscodeWorker } from './transcode.worker.ts';
import { videosRepo } from './videos.repo.ts';

const MAX = 200_000;
let env: MediaTestEnv;
let app: FastifyInstance;
let worker: Worker;
let clip: Buffer;
const alice = newUserId();
const bob = newUserId();
const carol = newUserId();
const as = (user: string | undefined) => (user ? { [TEST_USER_HEADER]: user } : {});

beforeAll(async () => {
  env = await openMediaTestEnv('file', { MAX_UPLOAD_BYTES: String(MAX) });
  app = await buildMediaApp(env.deps);
  worker = startTranscodeWorker(env.deps, { threads: 1 });
  clip = await readFile(await makeClip(join(env.dir, 'tiny.mp4'), { width: 64, height: 112, durationS: 1 }));
  // bob and alice follow each other; carol follows alice only.
  await follow(env.deps, alice, bob);
  await follow(env.deps, bob, alice);
  await follow(env.deps, carol, alice);
});
afterAll(async () => {
  await worker?.close();
  await app?.close();
  await env?.cleanup();
});

describe('POST /videos', () => {
  it('returns 401 UNAUTHENTICATED without a user', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/videos', payload: {} });
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('creates an uploading video with a signed upload URL and normalised hashtags', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/videos',
      headers: as(alice),
      payload: {
        caption: 'hi',
        hashtags: ['#Cats', 'CATS', 'dance_2', '#Café', 'ｃａｆé'],
        privacy: 'friends',
        music_id: 'm1',
      },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'uploading', upload_method: 'PUT', max_bytes: MAX });
    expect(body.upload_url).toContain(`/objects/uploads/${body.video_id}/source?`);
    expect(body.upload_headers).toEqual({ 'Content-Type': 'video/mp4' });
    expect(body.expires_at).toBeGreaterThan(Date.now());
    const row = await videosRepo(env.deps.metadata).get(body.video_id);
    expect(row).toMatchObject({
      hashtags: ['cats', 'dance_2', 'café'],
      privacy: 'friends',
      musicId: 'm1',
      status: 'uploading',
    });
    const tags = await env.deps.metadata.all('SELECT tag FROM video_hashtags WHERE video_id = $1 ORDER BY tag', [
      body.video_id,
    ]);
    expect(tags.map((t) => t.tag).sort()).toEqual(['café', 'cats', 'dance_2']);
  });

  it.each([
    ['a caption over 2200 characters', { caption: 'x'.repeat(2201) }],
    ['31 hashtags', { hashtags: Array.from({ length: 31 }, (_, i) => `t${i}`) }],
    ['a hashtag with spaces', { hashtags: ['no spaces'] }],
    ['a hashtag over 50 characters', { hashtags: ['a'.repeat(51)] }],
    ['an unknown privacy', { privacy: 'everyone' }],
    ['an unsupported content type', { content_type: 'text/html' }],
  ])('returns 400 VALIDATION_FAILED for %s', async (_what, payload) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/videos', headers: as(alice), payload });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('POST /videos/:id/complete', () => {
  async function created(user = alice): Promise<string> {
    const res = await app.inject({ method: 'POST', url: '/api/v1/videos', headers: as(user), payload: {} });
    return res.json().video_id;
  }

  it('returns 409 UPLOAD_MISSING before the file is uploaded', async () => {
    const id = await created();
    const res = await app.inject({ method: 'POST', url: `/api/v1/videos/${id}/complete`, headers: as(alice) });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'UPLOAD_MISSING']);
  });

  it('returns 404 VIDEO_NOT_FOUND to anyone but the author', async () => {
    const id = await created();
    await env.deps.objects.put(`uploads/${id}/source`, clip);
    const res = await app.inject({ method: 'POST', url: `/api/v1/videos/${id}/complete`, headers: as(bob) });
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'VIDEO_NOT_FOUND']);
  });

  it('returns 413 PAYLOAD_TOO_LARGE for a stored file over the limit and removes it', async () => {
    const id = await created();
    // A store that cannot enforce the limit at upload time (S3 presigned PUT) may hold a bigger file.
    await env.deps.objects.put(`uploads/${id}/source`, Buffer.alloc(MAX + 1));
    const res = await app.inject({ method: 'POST', url: `/api/v1/videos/${id}/complete`, headers: as(alice) });
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await env.deps.objects.head(`uploads/${id}/source`)).toBeUndefined();
  });

  it('accepts a repeated complete while processing and refuses it once ready', async () => {
    const id = await created();
    await env.deps.objects.put(`uploads/${id}/source`, clip);
    const first = await app.inject({ method: 'POST', url: `/api/v1/videos/${id}/complete`, headers: as(alice) });
    expect([first.statusCode, first.json()]).toEqual([202, { video_id: id, status: 'processing' }]);
    const again = await app.inject({ method: 'POST', url: `/api/v1/videos/${id}/complete`, headers: as(alice) });
    expect(again.statusCode).toBe(202);
    expect((await waitSettled(env.deps, id)).status).toBe('ready');
    const late = await app.inject({ method: 'POST', url: `/api/v1/videos/${id}/complete`, headers: as(alice) });
    expect([late.statusCode, late.json().error.code]).toEqual([409, 'VIDEO_NOT_UPLOADABLE']);
  });
});

describe('POST /videos/direct', () => {
  it('stores a small multipart upload and processes it', async () => {
    const { payload, headers } = await multipartBody(
      { caption: 'direct', hashtags: 'one, two', privacy: 'public' },
      { name: 'a.mp4', type: 'video/mp4', body: clip },
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { ...headers, ...as(alice) },
      payload,
    });
    expect(res.statusCode).toBe(202);
    const video = await waitSettled(env.deps, res.json().video_id);
    expect(video).toMatchObject({ status: 'ready', caption: 'direct', hashtags: ['one', 'two'] });
  });

  it('returns 413 PAYLOAD_TOO_LARGE past MAX_UPLOAD_BYTES and keeps nothing', async () => {
    const { payload, headers } = await multipartBody(
      {},
      { name: 'big.mp4', type: 'video/mp4', body: Buffer.alloc(MAX + 10) },
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { ...headers, ...as(alice) },
      payload,
    });
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('returns 400 VALIDATION_FAILED without a file part or with bad fields', async () => {
    const noFile = await multipartBody({ caption: 'x' });
    const a = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { ...noFile.headers, ...as(alice) },
      payload: noFile.payload,
    });
    expect([a.statusCode, a.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const bad = await multipartBody({ privacy: 'nobody' }, { name: 'a.mp4', type: 'video/mp4', body: clip });
    const b = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { ...bad.headers, ...as(alice) },
      payload: bad.payload,
    });
    expect([b.statusCode, b.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('GET and DELETE /videos/:id', () => {
  let publicId: string;
  let privateId: string;
  let friendsId: string;

  beforeAll(async () => {
    const ids = await Promise.all(
      (['public', 'private', 'friends'] as const).map((privacy) => uploadThroughApi(app, alice, clip, { privacy })),
    );
    [publicId, privateId, friendsId] = ids as [string, string, string];
    for (const id of ids) expect((await waitSettled(env.deps, id)).status).toBe('ready');
  }, 60_000);

  const get = (id: string, user?: string) =>
    app.inject({ method: 'GET', url: `/api/v1/videos/${id}`, headers: as(user) });

  it('shows a ready public video with playback URLs to anyone, without a token', async () => {
    const res = await get(publicId);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'ready', width: 64, height: 112, privacy: 'public' });
    expect(body.playback.master_url).toBe(`http://127.0.0.1:8080/media/videos/${publicId}/v1/master.m3u8`);
    expect(body.playback.token_expires_at).toBeNull();
    expect(body.playback.renditions).toEqual([expect.objectContaining({ name: '64p', width: 64, height: 112 })]);
  });

  it('returns 404 VIDEO_NOT_FOUND for a private video of another user, and a tokened URL to its author', async () => {
    for (const user of [undefined, bob, carol]) {
      const res = await get(privateId, user);
      expect([res.statusCode, res.json().error.code]).toEqual([404, 'VIDEO_NOT_FOUND']);
    }
    const mine = await get(privateId, alice);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().playback.master_url).toMatch(/master\.m3u8\?token=\d+\.[0-9a-z]{26}\.[\w-]+$/);
  });

  it('shows a friends-only video to mutual followers only', async () => {
    expect((await get(friendsId, bob)).statusCode).toBe(200);
    expect((await get(friendsId, carol)).statusCode).toBe(404);
    expect((await get(friendsId)).statusCode).toBe(404);
  });

  it('returns 404 for an id that is not an id', async () => {
    expect((await get('../../etc')).statusCode).toBe(404);
  });

  it('lets only the author delete, then hides the video and removes its media', async () => {
    const id = await uploadThroughApi(app, alice, clip);
    await waitSettled(env.deps, id);
    const other = await app.inject({ method: 'DELETE', url: `/api/v1/videos/${id}`, headers: as(bob) });
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'FORBIDDEN']);
    const hidden = await app.inject({ method: 'DELETE', url: `/api/v1/videos/${privateId}`, headers: as(bob) });
    expect(hidden.statusCode).toBe(404);
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/videos/${id}`, headers: as(alice) });
    expect(res.statusCode).toBe(204);
    expect((await get(id, alice)).statusCode).toBe(404);
    expect(await env.deps.objects.list(`videos/${id}/`)).toEqual([]);
    expect(await env.deps.objects.head(`uploads/${id}/source`)).toBeUndefined();
  });
});

describe('PATCH /videos/:id', () => {
  let id: string;
  const edit = (user: string | undefined, payload: unknown) =>
    app.inject({ method: 'PATCH', url: `/api/v1/videos/${id}`, headers: as(user), payload: payload as object });
  const seen = async (user: string | undefined) =>
    (await app.inject({ method: 'GET', url: `/api/v1/videos/${id}`, headers: as(user) })).statusCode;

  beforeAll(async () => {
    id = await uploadThroughApi(app, alice, clip, { caption: 'first', hashtags: ['cats'] });
    expect((await waitSettled(env.deps, id)).status).toBe('ready');
  });

  it('lets only the author edit', async () => {
    expect((await edit(undefined, { caption: 'x' })).json().error.code).toBe('UNAUTHENTICATED');
    const other = await edit(bob, { caption: 'x' });
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await videosRepo(env.deps.metadata).get(id))!.caption).toBe('first');
  });

  it.each([
    ['an empty edit', {}],
    ['an unknown privacy', { privacy: 'secret' }],
    ['an unknown field', { music_id: 'm2' }],
    ['a bad hashtag', { hashtags: ['no spaces allowed'] }],
    ['a caption over 2200 characters', { caption: 'x'.repeat(2201) }],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_what, payload) => {
    const res = await edit(alice, payload);
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('updates caption and hashtags, normalised, in the row and the tag index', async () => {
    const res = await edit(alice, { caption: 'second', hashtags: ['#Dogs', 'dogs', 'park'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ caption: 'second', hashtags: ['dogs', 'park'], privacy: 'public' });
    const tags = await env.deps.metadata.all('SELECT tag FROM video_hashtags WHERE video_id = $1 ORDER BY tag', [id]);
    expect(tags.map((t) => t.tag)).toEqual(['dogs', 'park']);
  });

  it('hides a video made private from everyone else, media included, and shows it again when public', async () => {
    const poster = new URL(
      (await app.inject({ method: 'GET', url: `/api/v1/videos/${id}` })).json().playback.poster_url,
    );
    expect((await app.inject({ method: 'GET', url: poster.pathname })).statusCode).toBe(200);

    expect((await edit(alice, { privacy: 'private' })).json().privacy).toBe('private');
    expect([await seen(undefined), await seen(bob), await seen(alice)]).toEqual([404, 404, 200]);
    expect((await app.inject({ method: 'GET', url: poster.pathname })).statusCode).toBe(404);

    expect((await edit(alice, { privacy: 'friends' })).statusCode).toBe(200);
    // bob and alice follow each other; carol only follows alice.
    expect([await seen(bob), await seen(carol)]).toEqual([200, 404]);

    expect((await edit(alice, { privacy: 'public' })).statusCode).toBe(200);
    expect([await seen(undefined), await seen(carol)]).toEqual([200, 200]);
    expect((await app.inject({ method: 'GET', url: poster.pathname })).statusCode).toBe(200);
  });
});
