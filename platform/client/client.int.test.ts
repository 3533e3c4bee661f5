import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveApp, startLiveApp } from '../api/testing/live-app.ts';
import { makeUploadClip } from '../web/testing/real-app.ts';
import { ApiError, ForyouClient, NetworkError } from './index.ts';

describe('ForyouClient against the real app', () => {
  let app: LiveApp;
  let dir: string;
  beforeAll(async () => {
    app = await startLiveApp('client');
    dir = mkdtempSync(join(tmpdir(), 'foryou-client-'));
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, uploads through the signed URL, walks feed cursors and batches events', async () => {
    const creator = new ForyouClient({ baseUrl: app.base });
    await creator.register('client_creator', 'a long password');
    const clip = await makeUploadClip(dir, 'a', 'hue=h=90', 1);
    const { videoId } = await creator.upload(new Uint8Array(readFileSync(clip)), {
      caption: 'typed',
      hashtags: ['cats'],
    });
    const ready = await creator.waitReady(videoId, { timeoutMs: 60_000 });
    expect(ready.hashtags).toEqual(['cats']);

    const viewer = new ForyouClient({ baseUrl: app.base });
    const session = await viewer.register('client_viewer', 'a long password');
    expect(viewer.user?.id).toBe(session.user.id);
    expect((await viewer.call('GET /api/v1/me')).handle).toBe('client_viewer');
    expect((await viewer.setInterests(['cats'])).tags).toEqual(['cats']);
    let ids: string[] = [];
    for (let i = 0; i < 40 && !ids.includes(videoId); i++) {
      ids = [];
      for await (const page of viewer.feedPages({ limit: 1 }, 3)) ids.push(...page.items.map((it) => it.id));
      if (!ids.includes(videoId)) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ids).toContain(videoId);

    const batcher = viewer.eventBatcher({ maxBatch: 2, maxDelayMs: 0 });
    batcher.add({ type: 'impression', video_id: videoId });
    batcher.add({ type: 'play_start', video_id: videoId });
    batcher.add({ type: 'complete', video_id: videoId, watch_ms: 1000, duration_ms: 1000 });
    await batcher.flush();
    expect(batcher.sent).toBe(3);
    const again = await viewer.sendEvents([{ client_event_id: 'fixed.1', type: 'skip', video_id: videoId }]);
    expect(again).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect(await viewer.sendEvents([{ client_event_id: 'fixed.1', type: 'skip', video_id: videoId }])).toEqual({
      accepted: 0,
      duplicates: 1,
      dropped: 0,
    });
    expect((await viewer.like(videoId)).liked).toBe(true);
    expect((await viewer.follow(creator.user!.id)).following).toBe(true);
    expect((await viewer.comment(videoId, 'nice')).content).toBe('nice');
  }, 120_000);

  it('throws ApiError with the server code and a signed-out client sends its device id', async () => {
    const anon = new ForyouClient({ baseUrl: app.base });
    const err = await anon.call('GET /api/v1/me').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('UNAUTHENTICATED');
    expect((err as ApiError).status).toBe(401);
    const device = new ForyouClient({ baseUrl: app.base, deviceId: 'device-1' });
    expect((await device.feed({ limit: 2 })).items).toBeInstanceOf(Array);
  });
});

describe('ForyouClient retries', () => {
  let server: Server;
  let base: string;
  const answers: { status: number; headers?: Record<string, string> }[] = [];
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      const a = answers.shift() ?? { status: 200 };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(
        a.status === 200
          ? JSON.stringify({ status: 'ok' })
          : JSON.stringify({ error: { code: 'BUSY', message: 'later', request_id: 'r1' } }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('waits out 503 and 429 answers after their Retry-After and then succeeds', async () => {
    hits = 0;
    answers.push({ status: 503, headers: { 'retry-after': '0' } }, { status: 429, headers: { 'retry-after': '0' } });
    const c = new ForyouClient({ baseUrl: base });
    expect(await c.call('GET /healthz')).toEqual({ status: 'ok' });
    expect(hits).toBe(3);
    expect(c.stats).toMatchObject({ requests: 3, retries: 2, errors: 0, errorCodes: {} });
  });

  it('gives up after its attempts with the last error', async () => {
    for (let i = 0; i < 3; i++) answers.push({ status: 503, headers: { 'retry-after': '0' } });
    const c = new ForyouClient({ baseUrl: base, retry: { attempts: 3 } });
    const err = await c.call('GET /healthz').catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).code).toBe('BUSY');
  });

  it('does not repeat a POST whose connection was lost, but repeats a GET', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = new ForyouClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { attempts: 3, baseDelayMs: 1 } });
    await expect(c.register('nobody', 'a long password')).rejects.toBeInstanceOf(NetworkError);
    expect(c.stats.requests).toBe(1);
    await expect(c.call('GET /healthz')).rejects.toBeInstanceOf(NetworkError);
    expect(c.stats.requests).toBe(4);
  });
});
