import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../api/testing/harness.ts';
import { videosRepo } from './videos.repo.ts';

describe('GET /api/v1/videos/:id/status', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let author: { id: string; token: string };
  let stranger: { id: string; token: string };
  let n = 0;

  const register = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: `status_${++n}`, password: 'a long password' },
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().user.id as string, token: res.json().token as string };
  };
  const status = (id: string, who?: { token: string }) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/videos/${id}/status`,
      headers: who ? { authorization: `Bearer ${who.token}` } : {},
    });
  const create = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/videos',
      headers: { authorization: `Bearer ${author.token}` },
      payload: { caption: 'wait for me' },
    });
    expect(res.statusCode).toBe(201);
    return res.json().video_id as string;
  };

  beforeAll(async () => {
    t = await buildTestApp('embedded', 'videos-status');
    author = await register();
    stranger = await register();
  });
  afterAll(async () => t?.cleanup());

  it('walks the author through uploading, processing and ready, asking to poll until then', async () => {
    const id = await create();
    expect((await status(id, author)).json()).toEqual({
      video_id: id,
      status: 'uploading',
      failure_code: null,
      failure_reason: null,
      processed_at: null,
      poll_after_ms: 2000,
    });
    const repo = videosRepo(t.deps.metadata);
    expect(await repo.markProcessing(id)).toBe(true);
    expect((await status(id, author)).json()).toMatchObject({ status: 'processing', poll_after_ms: 2000 });
    const ready = { durationMs: 2000, width: 96, height: 160, renditions: [], posterKey: 'p', now: 1_234_000 };
    expect(await repo.markReady(id, 1, ready)).toBe(true);
    const res = await status(id, author);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      failure_code: null,
      processed_at: 1_234_000,
      poll_after_ms: null,
    });
  });

  it('tells the author why a video failed', async () => {
    const id = await create();
    const repo = videosRepo(t.deps.metadata);
    expect(await repo.markProcessing(id)).toBe(true);
    await repo.markFailed(id, 1, 'TRANSCODE_FAILED', 'ffmpeg exited 1', 5_000);
    expect((await status(id, author)).json()).toMatchObject({
      status: 'failed',
      failure_code: 'TRANSCODE_FAILED',
      failure_reason: 'Processing failed on our side. Try uploading again later.',
      processed_at: 5_000,
      poll_after_ms: null,
    });
  });

  it("explains a rejected file in words, without the server's paths or ffmpeg's addresses", async () => {
    const id = await create();
    const repo = videosRepo(t.deps.metadata);
    expect(await repo.markProcessing(id)).toBe(true);
    const detail =
      'the mov file could not be read: [mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d5c5f0a2c0] moov atom not found /tmp/foryou-transcode-abc/source: Invalid data found when processing input';
    await repo.markFailed(id, 1, 'CORRUPT_FILE', detail, 5_000);
    const body = (await status(id, author)).json();
    expect(body.failure_code).toBe('CORRUPT_FILE');
    expect(body.failure_reason).toBe(
      'The video file is damaged and cannot be read. (the mov file could not be read: moov atom not found the file: Invalid data found when processing input)',
    );
  });

  it('answers only the author: 401 anonymous, 404 a stranger before ready, 403 after, 404 unknown ids', async () => {
    const id = await create();
    expect((await status(id)).statusCode).toBe(401);
    expect((await status(id, stranger)).json().error.code).toBe('VIDEO_NOT_FOUND');
    const repo = videosRepo(t.deps.metadata);
    expect(await repo.markProcessing(id)).toBe(true);
    const ready = { durationMs: 2000, width: 96, height: 160, renditions: [], posterKey: 'p', now: 1 };
    expect(await repo.markReady(id, 1, ready)).toBe(true);
    expect((await status(id, stranger)).statusCode).toBe(403);
    expect((await status('0000000000nosuchvideo00000', author)).statusCode).toBe(404);
    expect((await status('x'.repeat(65), author)).statusCode).toBe(400);
  });
});
