import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../core/cache/open.ts';
import type { Worker } from '../../core/queue/ports.ts';
import { TRENDING_KEY } from '../../feature-store/trending.ts';
import { prewarmPass } from './cdn-prewarm.ts';
import {
  buildMediaApp,
  type MediaTestEnv,
  makeClip,
  newUserId,
  openMediaTestEnv,
  startNginx,
  TEST_USER_HEADER,
  uploadThroughApi,
  waitSettled,
} from './testing/media.testkit.ts';
import { startTranscodeWorker } from './transcode.worker.ts';

const EDGE_TTL_S = 2;
/** nginx counts lifetimes in whole seconds: an entry stored at s.9 is fresh until s + TTL + 1. */
const pastEdgeLifetime = () => new Promise((r) => setTimeout(r, (EDGE_TTL_S + 1) * 1000 + 200));

describe('the nginx CDN in front of the media origin', () => {
  let env: MediaTestEnv;
  let app: FastifyInstance;
  let worker: Worker;
  let nginx: { base: string; proc: ChildProcess };
  let nginxDir: string | undefined;
  let publicId: string;
  let privateId: string;
  let doomedId: string;
  const author = newUserId();
  const originHits: string[] = [];
  const hitsOf = (path: string) => originHits.filter((u) => u.split('?')[0] === path).length;

  beforeAll(async () => {
    // A short edge lifetime so the revalidation and takedown tests need not wait a minute.
    env = await openMediaTestEnv('file', { MEDIA_EDGE_TTL_S: String(EDGE_TTL_S) });
    app = await buildMediaApp(env.deps, { onRequest: (_m, url) => originHits.push(url) });
    const origin = new URL(await app.listen({ host: '127.0.0.1', port: 0 })).host;
    worker = startTranscodeWorker(env.deps, { threads: 2 });
    const clip = await readFile(await makeClip(join(env.dir, 'c.mp4'), { width: 96, height: 160, durationS: 3 }));
    publicId = await uploadThroughApi(app, author, clip);
    privateId = await uploadThroughApi(app, author, clip, { privacy: 'private' });
    doomedId = await uploadThroughApi(app, author, clip);
    for (const id of [publicId, privateId, doomedId]) expect((await waitSettled(env.deps, id)).status).toBe('ready');
    // Its own temp dir: nginx workers run as nobody when the tests run as root, and must reach it.
    nginxDir = await mkdtemp(join(tmpdir(), 'foryou-nginx-'));
    nginx = await startNginx(nginxDir, origin);
  }, 90_000);

  afterAll(async () => {
    if (nginx && nginx.proc.exitCode === null) {
      nginx.proc.kill('SIGTERM');
      await once(nginx.proc, 'exit');
    }
    await worker?.close();
    await app?.close();
    await env?.cleanup();
    if (nginxDir) await rm(nginxDir, { recursive: true, force: true });
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${nginx.base}${path}`, { headers });
    return {
      status: res.status,
      cache: res.headers.get('x-cache-status'),
      headers: res.headers,
      body: Buffer.from(await res.arrayBuffer()),
    };
  };

  it('pre-warms the trending public videos: their start files are cache hits before anyone asked; private ones are never fetched', async () => {
    // The trending list the features consumer keeps (in Redis when scaled); the media env has no cache.
    const cache = await openCache('memory://');
    await cache.zAdd(TRENDING_KEY, [
      { member: doomedId, score: 10 },
      { member: privateId, score: 9 },
    ]);
    const r = await prewarmPass({ cache, metadata: env.deps.metadata, publicBaseUrl: nginx.base }, 10);
    expect(r).toMatchObject({ videos: 1, failed: 0 });
    for (const file of ['init.mp4', 'seg_00000.m4s']) {
      const path = `/media/videos/${doomedId}/v1/96p/${file}`;
      expect(hitsOf(path)).toBe(1);
      expect((await get(path)).cache).toBe('HIT');
      expect(hitsOf(path)).toBe(1);
    }
    expect(originHits.some((u) => u.startsWith(`/media/videos/${privateId}/`))).toBe(false);
  });

  it('serves a repeated segment request from the cache without touching the origin', async () => {
    const path = `/media/videos/${publicId}/v1/96p/seg_00000.m4s`;
    const first = await get(path);
    expect([first.status, first.cache]).toEqual([200, 'MISS']);
    const hits = hitsOf(path);
    expect(hits).toBe(1);
    const second = await get(path);
    expect([second.status, second.cache]).toEqual([200, 'HIT']);
    expect(second.body.equals(first.body)).toBe(true);
    expect(hitsOf(path)).toBe(hits);
    expect(second.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers ranges through the cache with the right bytes', async () => {
    const path = `/media/videos/${publicId}/v1/96p/seg_00001.m4s`;
    const full = (await app.inject({ method: 'GET', url: path })).rawPayload;
    const part = await get(path, { range: 'bytes=100-299' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-299/${full.length}`);
    expect(part.body.equals(full.subarray(100, 300))).toBe(true);
    const before = hitsOf(path);
    const suffix = await get(path, { range: 'bytes=-500' });
    expect([suffix.status, suffix.cache]).toEqual([206, 'HIT']);
    expect(suffix.body.equals(full.subarray(full.length - 500))).toBe(true);
    expect(hitsOf(path)).toBe(before);
  });

  it('sends one request to the origin for many concurrent misses', async () => {
    const path = `/media/videos/${publicId}/v1/thumbs/sprite.jpg`;
    const all = await Promise.all(Array.from({ length: 8 }, () => get(path)));
    expect(all.every((r) => r.status === 200 && r.body.equals(all[0]!.body))).toBe(true);
    expect(hitsOf(path)).toBe(1);
  });

  it('honours the short playlist lifetime: HIT within it, revalidated with the origin after it', async () => {
    const path = `/media/videos/${publicId}/v1/master.m3u8`;
    expect((await get(path)).cache).toBe('MISS');
    expect((await get(path)).cache).toBe('HIT');
    expect(hitsOf(path)).toBe(1);
    await new Promise((r) => setTimeout(r, 3100));
    const later = await get(path);
    expect([later.status, later.cache]).toEqual([200, 'REVALIDATED']);
    expect(hitsOf(path)).toBe(2);
  });

  it('never caches token-gated media and still hides it without a token', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/videos/${privateId}`,
      headers: { [TEST_USER_HEADER]: author },
    });
    const poster = new URL(res.json().playback.poster_url);
    const path = poster.pathname;
    const a = await get(path + poster.search);
    const b = await get(path + poster.search);
    expect([a.status, a.cache, b.status, b.cache]).toEqual([200, 'BYPASS', 200, 'BYPASS']);
    expect(b.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(hitsOf(path)).toBe(2);
    const anonymous = await get(path);
    expect(anonymous.status).toBe(404);
    expect((await get(path)).status).toBe(404);
  });

  it('revalidates public media after the edge lifetime with a 304 instead of refetching it', async () => {
    const path = `/media/videos/${publicId}/v1/thumbs/poster.jpg`;
    const first = await get(path);
    expect([first.status, first.cache]).toEqual([200, 'MISS']);
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('x-accel-expires')).toBeNull();
    await pastEdgeLifetime();
    const later = await get(path);
    expect([later.status, later.cache]).toEqual([200, 'REVALIDATED']);
    expect(later.body.equals(first.body)).toBe(true);
    expect(hitsOf(path)).toBe(2);
  });

  it('stops serving a deleted video from the cache once the edge lifetime has passed', async () => {
    const path = `/media/videos/${doomedId}/v1/96p/seg_00000.m4s`;
    expect((await get(path)).status).toBe(200);
    expect((await get(path)).cache).toBe('HIT');
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/videos/${doomedId}`,
      headers: { [TEST_USER_HEADER]: author },
    });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    await pastEdgeLifetime();
    const gone = await get(path);
    expect(gone.status).toBe(404);
    expect((await get(path)).status).toBe(404);
  });
});
