import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJobQueue } from '../../core/queue/open.ts';
import type { JobQueue } from '../../core/queue/ports.ts';
import { type MediaTestEnv, newUserId, openMediaTestEnv, waitFor } from './testing/media.testkit.ts';
import { TRANSCODE_JOB, TRANSCODE_QUEUE, transcodeJobId } from './transcode.jobs.ts';
import { removeStaleWorkDirs, STALE_WORKDIR_MS, sweepProcessingVideos } from './transcode.sweeper.ts';
import { videosRepo } from './videos.repo.ts';

const QUEUE_OPEN = new URL('../../core/queue/open.ts', import.meta.url).href;

/** A worker process that says so once it holds a job, then never finishes it (the test kills it). */
const DYING_WORKER = `
const [openUrl, queueUrl, queueName] = process.argv.slice(1);
const { openJobQueue } = await import(openUrl);
const queue = await openJobQueue(queueUrl);
queue.work(queueName, () => { process.stdout.write('claimed\\n'); return new Promise(() => {}); }, { leaseMs: 300 });
`;

/** A video row already marked `processing`, as `complete` leaves it just before it enqueues. */
async function processingVideo(env: MediaTestEnv): Promise<string> {
  const repo = videosRepo(env.deps.metadata);
  const id = newUserId();
  await repo.create({
    id,
    authorId: newUserId(),
    caption: 'stuck',
    hashtags: [],
    musicId: null,
    privacy: 'public',
    sourceKey: `uploads/${id}`,
    createdAt: env.deps.clock.now(),
  });
  expect(await repo.markProcessing(id)).toBe(true);
  return id;
}

describe('the transcode sweeper', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  });

  it('queues again a processing video whose job is missing, once', async () => {
    const env = await openMediaTestEnv('file');
    closers.push(() => env.cleanup());
    const id = await processingVideo(env);
    expect(await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, 1))).toBeUndefined();

    expect(await sweepProcessingVideos(env.deps)).toEqual({ requeued: 1, failed: 0 });
    expect((await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, 1)))?.status).toBe('waiting');
    // The job is there now: a second sweep (or another process sweeping) changes nothing.
    expect(await sweepProcessingVideos(env.deps)).toEqual({ requeued: 0, failed: 0 });
    expect((await videosRepo(env.deps.metadata).get(id))?.status).toBe('processing');
  });

  it('fails a video whose job lost more workers than the queue allows, with the queue’s reason', async () => {
    const env = await openMediaTestEnv('file');
    closers.push(() => env.cleanup());
    const id = await processingVideo(env);
    await env.deps.queue.enqueue(
      TRANSCODE_QUEUE,
      TRANSCODE_JOB,
      { videoId: id, version: 1 },
      { jobId: transcodeJobId(id, 1), attempts: 1 },
    );

    // A worker process takes the job and is killed (kill -9) in the middle of it.
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', DYING_WORKER, QUEUE_OPEN, env.config.QUEUE_URL, TRANSCODE_QUEUE],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    closers.push(async () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the worker exited with ${code} before taking the job`)));
    });
    expect((await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, 1)))?.status).toBe('active');
    // While the job holds a lease, the sweeper leaves the video alone.
    expect(await sweepProcessingVideos(env.deps)).toEqual({ requeued: 0, failed: 0 });
    child.kill('SIGKILL');
    await once(child, 'exit');

    // Another worker, allowing no lost worker at all, finds the expired lease and fails the job.
    const other: JobQueue = await openJobQueue(env.config.QUEUE_URL);
    const survivor = other.work(TRANSCODE_QUEUE, async () => {}, { leaseMs: 300, maxStalls: 0 });
    closers.push(async () => {
      await survivor.close();
      await other.close();
    });
    const job = await waitFor('the job to fail', async () => {
      const j = await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, 1));
      return j?.status === 'failed' ? j : undefined;
    });
    expect((await videosRepo(env.deps.metadata).get(id))?.status).toBe('processing');

    expect(await sweepProcessingVideos(env.deps)).toEqual({ requeued: 0, failed: 1 });
    const video = await videosRepo(env.deps.metadata).get(id);
    expect(video).toMatchObject({ status: 'failed', failureCode: 'TRANSCODE_FAILED' });
    expect(video?.failureDetail).toBe(job.failedReason);
    expect(await sweepProcessingVideos(env.deps)).toEqual({ requeued: 0, failed: 0 });
  });

  it('removes work folders that killed workers left behind, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'foryou-sweep-dirs-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const old = new Date(Date.now() - STALE_WORKDIR_MS - 60_000);
    for (const name of ['foryou-transcode-v1-abc', 'foryou-transcode-v2-def', 'someone-elses', 'foryou-transcode-file'])
      await mkdir(join(dir, name));
    await rm(join(dir, 'foryou-transcode-file'), { recursive: true });
    await writeFile(join(dir, 'foryou-transcode-file'), 'not a folder');
    await writeFile(join(dir, 'foryou-transcode-v1-abc', 'seg.ts'), 'x');
    for (const name of ['foryou-transcode-v1-abc', 'someone-elses', 'foryou-transcode-file'])
      await utimes(join(dir, name), old, old);

    expect(await removeStaleWorkDirs(dir)).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['foryou-transcode-file', 'foryou-transcode-v2-def', 'someone-elses']);
    expect(await removeStaleWorkDirs(join(dir, 'missing'))).toBe(0);
  });
});
