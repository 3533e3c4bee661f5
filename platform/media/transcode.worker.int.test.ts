import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import { type Job, PermanentJobError } from '../../core/queue/ports.ts';
import { Telemetry } from '../../core/telemetry/telemetry.ts';
import { type MediaTestEnv, makeClip, newUserId, openMediaTestEnv, waitFor } from './testing/media.testkit.ts';
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

  it('publishes the video while its lowest rung is still being made, and finishes that playlist later', async () => {
    const long = await readFile(await makeClip(join(env.dir, 'long.mp4'), { width: 480, height: 854, durationS: 16 }));
    const id = await processingVideo(long);
    const repo = videosRepo(env.deps.metadata);
    const done = transcodeHandler(env.deps, { threads: 1 })(job({ videoId: id, version: 1 }));
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    const atReady = await waitFor(
      'the video to be ready',
      async () => {
        const v = await repo.get(id);
        if (v?.status !== 'ready') return settled ? 'settled first' : undefined;
        return (await env.deps.objects.getBuffer(`videos/${id}/v1/360p/index.m3u8`)).toString('utf8');
      },
      60_000,
      10,
    );
    await done;
    // Ready with a growing playlist that starts players at 0, its segments and the poster already stored.
    expect(atReady).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(atReady).toContain('#EXT-X-START:TIME-OFFSET=0');
    expect(atReady).not.toContain('#EXT-X-ENDLIST');
    const listed = atReady.split('\n').filter((l) => l.startsWith('seg_'));
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(await env.deps.objects.head(`videos/${id}/v1/thumbs/poster.jpg`)).toBeDefined();
    const final = (await env.deps.objects.getBuffer(`videos/${id}/v1/360p/index.m3u8`)).toString('utf8');
    expect(final).toContain('#EXT-X-ENDLIST');
    expect(final.split('\n').filter((l) => l.startsWith('seg_')).length).toBeGreaterThan(listed.length);
    const video = (await repo.get(id))!;
    expect(video.renditions.map((r) => r.name)).toEqual(['360p', '480p']);
  }, 90_000);

  it('refuses a file whose media stops before its header says, before anything of it is stored', async () => {
    const whole = await readFile(
      await makeClip(join(env.dir, 'faststart.mp4'), {
        width: 320,
        height: 568,
        durationS: 5,
        extra: ['-movflags', '+faststart'],
      }),
    );
    const id = await processingVideo(whole.subarray(0, Math.floor(whole.length * 0.32)));
    await expect(transcodeHandler(env.deps)(job({ videoId: id, version: 1 }))).rejects.toMatchObject({
      reason: 'TRUNCATED_FILE',
    });
    expect((await videosRepo(env.deps.metadata).get(id))!.failureCode).toBe('TRUNCATED_FILE');
    expect(await env.deps.objects.head(`videos/${id}/v1/320p/index.m3u8`)).toBeUndefined();
    expect(await env.deps.objects.head(`videos/${id}/v1/thumbs/poster.jpg`)).toBeUndefined();
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
