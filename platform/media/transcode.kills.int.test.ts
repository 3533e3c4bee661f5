import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMediaApp,
  type MediaTestEnv,
  makeClip,
  newUserId,
  openMediaTestEnv,
  uploadThroughApi,
  waitFor,
  workerProcessEnv,
} from './testing/media.testkit.ts';
import { TRANSCODE_ATTEMPTS, TRANSCODE_QUEUE, transcodeJobId } from './transcode.jobs.ts';
import { videosRepo } from './videos.repo.ts';

const WORKER_MAIN = new URL('./worker.main.ts', import.meta.url).pathname;
const LEASE_MS = 1500;
/** More kills than the job has attempts: before kills stopped counting as attempts, this failed the video. */
const KILLS = TRANSCODE_ATTEMPTS + 1;

describe('a transcode whose worker is killed again and again', () => {
  let env: MediaTestEnv;
  let app: FastifyInstance;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    env = await openMediaTestEnv('file');
    app = await buildMediaApp(env.deps);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await app?.close();
    await env?.cleanup();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [WORKER_MAIN, '--lease-ms', String(LEASE_MS)], {
      env: workerProcessEnv(env, join(env.dir, 'worker-tmp')),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  it(`ends ready on its first attempt after ${KILLS} kill -9 of its worker mid-transcode`, async () => {
    await mkdir(join(env.dir, 'worker-tmp'));
    const src = await makeClip(join(env.dir, 'clip.mp4'), { width: 480, height: 854, durationS: 4 });
    const id = await uploadThroughApi(app, newUserId(), await readFile(src));
    const repo = videosRepo(env.deps.metadata);
    const jobId = transcodeJobId(id, 1);

    for (let kill = 1; kill <= KILLS; kill++) {
      const child = startWorker();
      // The kill lands once this worker holds the job (the earlier worker's lease lapsed): mid-transcode.
      await waitFor(
        `worker ${kill} to take the job`,
        async () => {
          const job = await env.deps.queue.getJob(TRANSCODE_QUEUE, jobId);
          // Runs started: attempts plus the runs lost with their worker.
          const runs = (job?.attempts ?? 0) + (job?.stalls ?? 0);
          return job?.status === 'active' && runs === kill ? job : undefined;
        },
        30_000,
        20,
      );
      child.kill('SIGKILL');
      await once(child, 'exit');
      expect((await repo.get(id))?.status).toBe('processing');
    }

    const t0 = Date.now();
    startWorker();
    const settled = await waitFor(
      'the video to settle',
      async () => {
        const v = await repo.get(id);
        return v?.status === 'ready' || v?.status === 'failed' ? v : undefined;
      },
      90_000,
    );
    expect([settled.status, settled.failureCode]).toEqual(['ready', null]);
    // One lease for the last worker's job to come back, then one transcode of a 4 s clip.
    expect(Date.now() - t0).toBeLessThan(60_000);
    const job = await waitFor('the job to complete', async () => {
      const j = await env.deps.queue.getJob(TRANSCODE_QUEUE, jobId);
      return j?.status === 'completed' ? j : undefined;
    });
    expect(job).toMatchObject({ attempts: 1, stalls: KILLS });
  }, 240_000);
});
