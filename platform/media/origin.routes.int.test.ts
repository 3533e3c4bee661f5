import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../core/queue/ports.ts';
import { signPlaybackToken } from './playback-token.ts';
import {
  buildMediaApp,
  follow,
  type MediaTestEnv,
  makeClip,
  newUserId,
  openMediaTestEnv,
  TEST_USER_HEADER,
  uploadThroughApi,
  waitSettled,
} from './testing/media.testkit.ts';
import { startTranscodeWorker } from './transcode.worker.ts';

let env: MediaTestEnv;
let app: FastifyInstance;
let worker: Worker;
const alice = newUserId();
const bob = newUserId();
const ids: Record<'public' | 'private' | 'friends', string> = { public: '', private: '', friends: '' };

beforeAll(async () => {
  env = await openMediaTestEnv('file');
  app = await buildMediaApp(env.deps);
  worker = startTranscodeWorker(env.deps, { threads: 2 });
  const clip = await readFile(await makeClip(join(env.dir, 'c.mp4'), { width: 96, height: 160, durationS: 3 }));
  for (const privacy of ['public', 'private', 'friends'] as const) {
    ids[privacy] = await uploadThroughApi(app, alice, clip, { privacy });
  }
  for (const id of Object.values(ids)) expect((await waitSettled(env.deps, id)).status).toBe('ready');
  await follow(env.deps, alice, bob);
}, 90_000);
afterAll(async () => {
  await worker?.close();
  await app?.close();
  await env?.cleanup();
});

const media = (id: string, path: string, query = '') => `/media/videos/${id}/v1/${path}${query}`;
// CMAF: the HLS playlists and the DASH manifest over one set of fMP4 files.
const MANIFESTS = ['master.m3u8', 'manifest.mpd', '96p/index.m3u8'];
const MEDIA = ['96p/init.mp4', '96p/seg_00000.m4s', 'thumbs/poster.jpg', 'thumbs/sprite.jpg'];
const FILES = [...MANIFESTS, ...MEDIA];

describe('origin for a public video', () => {
  it('serves each file type with its content type and cache lifetime', async () => {
    const expected: [string, string, string][] = [
      ['master.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=2'],
      ['manifest.mpd', 'application/dash+xml', 'public, max-age=2'],
      ['96p/index.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=2'],
      ['96p/init.mp4', 'video/mp4', 'public, max-age=31536000, immutable'],
      ['96p/seg_00000.m4s', 'video/iso.segment', 'public, max-age=31536000, immutable'],
      ['thumbs/poster.jpg', 'image/jpeg', 'public, max-age=31536000, immutable'],
      ['thumbs/preview_01.jpg', 'image/jpeg', 'public, max-age=31536000, immutable'],
    ];
    for (const [path, type, cache] of expected) {
      const res = await app.inject({ method: 'GET', url: media(ids.public, path) });
      expect([path, res.statusCode, res.headers['content-type'], res.headers['cache-control']]).toEqual([
        path,
        200,
        type,
        cache,
      ]);
      expect(res.headers.etag).toMatch(/^"[^"]+"$/);
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ method: 'GET', url: media(ids.public, '96p/seg_00000.m4s') });
    const again = await app.inject({
      method: 'GET',
      url: media(ids.public, '96p/seg_00000.m4s'),
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it('serves byte ranges, suffix ranges, and 416 INVALID_RANGE past the end', async () => {
    const url = media(ids.public, '96p/seg_00000.m4s');
    const full = (await app.inject({ method: 'GET', url })).rawPayload;
    const part = await app.inject({ method: 'GET', url, headers: { range: 'bytes=100-299' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-299/${full.length}`);
    expect(part.rawPayload.equals(full.subarray(100, 300))).toBe(true);
    const suffix = await app.inject({ method: 'GET', url, headers: { range: 'bytes=-500' } });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(full.subarray(full.length - 500))).toBe(true);
    const bad = await app.inject({ method: 'GET', url, headers: { range: `bytes=${full.length}-` } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([416, 'INVALID_RANGE']);
    expect(bad.headers['content-range']).toBe(`bytes */${full.length}`);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: media(ids.public, '96p/seg_00000.m4s') });
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    expect(res.rawPayload.length).toBe(0);
  });

  it('returns 404 for files outside the rendition set, other versions and bad paths', async () => {
    for (const url of [
      media(ids.public, '96p/seg_99999.m4s'),
      media(ids.public, 'secrets.txt'),
      `/media/videos/${ids.public}/v2/master.m3u8`,
      `/media/videos/${ids.public}/v1/..%2f..%2f..%2fuploads/${ids.public}/source.ts`,
      `/media/videos/not-an-id/v1/master.m3u8`,
    ]) {
      expect([url, (await app.inject({ method: 'GET', url })).statusCode]).toEqual([url, 404]);
    }
  });
});

describe('origin for private and friends-only videos', () => {
  it.each(['private', 'friends'] as const)('returns 404 for every %s file without a valid token', async (privacy) => {
    const id = ids[privacy];
    const foreign = signPlaybackToken(env.deps.secret, ids.public, alice, Date.now() + 60_000);
    const expired = signPlaybackToken(env.deps.secret, id, alice, Date.now() - 1000);
    // A well-signed token of a viewer the rule excludes (bob is alice's follower, not her friend).
    const excluded = signPlaybackToken(env.deps.secret, id, bob, Date.now() + 60_000);
    for (const path of FILES) {
      for (const query of ['', `?token=${foreign}`, `?token=${expired}`, '?token=garbage', `?token=${excluded}`]) {
        const res = await app.inject({ method: 'GET', url: media(id, path, query) });
        expect([path, query, res.statusCode, res.json().error.code]).toEqual([path, query, 404, 'VIDEO_NOT_FOUND']);
      }
    }
  });

  it('gives no token to a viewer the privacy rule excludes', async () => {
    // bob follows no one back, so alice's friends-only video stays hidden from him, media included.
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/videos/${ids.friends}`,
      headers: { [TEST_USER_HEADER]: bob },
    });
    expect(res.statusCode).toBe(404);
  });

  it('serves the author with the issued token, privately, with the token carried into every playlist URI', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/videos/${ids.private}`,
      headers: { [TEST_USER_HEADER]: alice },
    });
    const masterUrl = new URL(res.json().playback.master_url);
    const token = masterUrl.searchParams.get('token')!;
    const master = await app.inject({ method: 'GET', url: masterUrl.pathname + masterUrl.search });
    expect([master.statusCode, master.headers['cache-control']]).toEqual([200, 'private, no-cache']);
    expect(master.body).toContain(`96p/index.m3u8?token=${encodeURIComponent(token)}`);
    const rung = await app.inject({ method: 'GET', url: media(ids.private, `96p/index.m3u8?token=${token}`) });
    expect(rung.body).toMatch(/seg_00000\.m4s\?token=/);
    expect(rung.body).toContain(`#EXT-X-MAP:URI="init.mp4?token=${encodeURIComponent(token)}"`);
    const mpd = await app.inject({ method: 'GET', url: media(ids.private, `manifest.mpd?token=${token}`) });
    expect([mpd.statusCode, mpd.headers['cache-control']]).toEqual([200, 'private, no-cache']);
    expect(mpd.body).toContain(`initialization="96p/init.mp4?token=${encodeURIComponent(token)}"`);
    expect(mpd.body).toContain(`media="96p/seg_$Number%05d$.m4s?token=${encodeURIComponent(token)}"`);
    const again = await app.inject({
      method: 'GET',
      url: media(ids.private, `96p/index.m3u8?token=${token}`),
      headers: { 'if-none-match': String(rung.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    for (const path of MEDIA) {
      const file = await app.inject({ method: 'GET', url: media(ids.private, path, `?token=${token}`) });
      expect([path, file.statusCode, file.headers['cache-control']]).toEqual([path, 200, 'private, max-age=3600']);
    }
  });

  it('stops serving a video once it is deleted', async () => {
    const url = media(ids.public, 'thumbs/poster.jpg');
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    await env.deps.metadata.run('UPDATE videos SET deleted_at = $2 WHERE id = $1', [ids.public, Date.now()]);
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404);
  });
});
