import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import { type Job, PermanentJobError } from '../../core/queue/ports.ts';
import { Telemetry } from '../../core/telemetry/telemetry.ts';
import { type MediaTestEnv, makeClip, newUserId, openMediaTestEnv } from './testing/media.testkit.ts';
import type { TranscodeJobData } from './transcode.jobs.ts';
import { removeRejectedSources } from './transcode.sweeper.ts';
import { transcodeHandler } from './transcode.worker.ts';
import { videosRepo } from './videos.repo.ts';

let env: MediaTestEnv;
let clip: Buffer;

beforeAll(async () => {
  env = await openMediaTestEnv('file');
  clip = await readFile(await makeClip(join(env.dir, 'c.mp4'), { width: 64, height: 112, durationS: 1 }));
});
afterAll(async () => {
  await env?.cleanup();
});

/** A video row in `processing` with its source stored, as `complete` leaves it. */
async function processingVideo(source: Buffer = clip): Promise<string> {
  const repo = videosRepo(env.deps.metadata);
  const id = newId();
  await env.deps.objects.put(`uploads/${id}/source`, source);
  await repo.create({
    id,
    authorId: newUserId(),
    caption: '',
    hashtags: [],
    musicId: null,
    privacy: 'public',
    sourceKey: `uploads/${id}/source`,
    createdAt: Date.now(),
  });
  await repo.markProcessing(id);
  return id;
}

const job = (data: unknown, attempt = 1): Job<TranscodeJobData> => ({
  id: 'j',
  queue: 'media',
  name: 'transcode',
  data: data as TranscodeJobData,
  attempt,
});

describe('transcodeHandler', () => {
  it('leaves the video processing on a transient failure and fails it TRANSCODE_FAILED on the last attempt', async () => {
    const id = await processingVideo();
    // A deadline no ffmpeg run can meet: a real, retryable failure.
    const handler = transcodeHandler(env.deps, { ffmpegTimeoutMs: 1, maxAttempts: 2 });
    const first = await handler(job({ videoId: id, version: 1 }, 1)).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error);
    expect(first).not.toBeInstanceOf(PermanentJobError);
    expect((await videosRepo(env.deps.metadata).get(id))!.status).toBe('processing');
    await expect(handler(job({ videoId: id, version: 1 }, 2))).rejects.toThrow(/timed out/);
    const video = (await videosRepo(env.deps.metadata).get(id))!;
    expect([video.status, video.failureCode]).toEqual(['failed', 'TRANSCODE_FAILED']);
    expect(video.failureDetail).toMatch(/timed out/);
  });

  it('does nothing for a ready video, another version or an unknown video, so redelivered jobs are harmless', async () => {
    const steps: string[] = [];
    const handler = transcodeHandler(env.deps, { onStepDone: (_v, s) => steps.push(s) });
    const id = await processingVideo();
    await handler(job({ videoId: id, version: 1 }));
    expect((await videosRepo(env.deps.metadata).get(id))!.status).toBe('ready');
    // One rung (a source under 360p): the lowest pass is the whole ladder.
    expect(steps).toEqual(['lowest']);
    await handler(job({ videoId: id, version: 1 }));
    await handler(job({ videoId: id, version: 2 }));
    await handler(job({ videoId: newId(), version: 1 }));
    expect(steps).toHaveLength(1);
  });

  it('fails a job without a video id permanently', async () => {
    const handler = transcodeHandler(env.deps);
    await expect(handler(job({ nope: true }))).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('fails the video UPLOAD_MISSING when its source vanished', async () => {
    const id = await processingVideo();
    await env.deps.objects.delete(`uploads/${id}/source`);
    await expect(transcodeHandler(env.deps)(job({ videoId: id, version: 1 }))).rejects.toMatchObject({
      reason: 'UPLOAD_MISSING',
    });
    expect((await videosRepo(env.deps.metadata).get(id))!.failureCode).toBe('UPLOAD_MISSING');
  });

  it('keeps a rejected source for REJECTED_SOURCE_TTL_S, then the sweeper deletes it; both counted', async () => {
    const telemetry = new Telemetry({ level: 'silent', processMetrics: false });
    const id = await processingVideo(Buffer.from('not a video at all, just text\n'.repeat(20)));
    const handler = transcodeHandler({ ...env.deps, telemetry }, { rejectedSourceTtlS: 3600 });
    await expect(handler(job({ videoId: id, version: 1 }))).rejects.toMatchObject({ reason: 'NOT_A_VIDEO' });
    const key = `uploads/${id}/source`;
    expect(await env.deps.objects.head(key)).toBeDefined();
    expect(await removeRejectedSources(env.deps, 3600_000)).toBe(0);
    const later = { ...env.deps, clock: { now: () => Date.now() + 3601_000 } };
    expect(await removeRejectedSources(later, 3600_000)).toBe(1);
    expect(await env.deps.objects.head(key)).toBeUndefined();
    expect((await videosRepo(env.deps.metadata).get(id))!.sourceKey).toBeNull();
    expect(await removeRejectedSources(later, 3600_000)).toBe(0);
    const metrics = await telemetry.registry.metrics();
    expect(metrics).toContain('foryou_uploads_rejected_total{code="NOT_A_VIDEO"} 1');
  });

  it('deletes a rejected source at once by default and counts it', async () => {
    const telemetry = new Telemetry({ level: 'silent', processMetrics: false });
    const id = await processingVideo(Buffer.alloc(0));
    await expect(transcodeHandler({ ...env.deps, telemetry })(job({ videoId: id, version: 1 }))).rejects.toMatchObject({
      reason: 'EMPTY_FILE',
    });
    expect(await env.deps.objects.head(`uploads/${id}/source`)).toBeUndefined();
    expect(await telemetry.registry.metrics()).toContain('foryou_rejected_sources_deleted_total 1');
  });
});
