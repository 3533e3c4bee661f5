import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../core/queue/ports.ts';
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
import { TRANSCODE_QUEUE, transcodeJobId } from './transcode.jobs.ts';
import { startTranscodeWorker } from './transcode.worker.ts';
import { videosRepo } from './videos.repo.ts';

const WORKER_MAIN = new URL('./worker.main.ts', import.meta.url).pathname;

describe('a transcode worker killed mid-ladder', () => {
  let env: MediaTestEnv;
  let app: FastifyInstance;
  let child: ChildProcess | undefined;
  let worker: Worker | undefined;

  beforeAll(async () => {
    env = await openMediaTestEnv('file');
    app = await buildMediaApp(env.deps);
  });
  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    await worker?.close();
    await app?.close();
    await env?.cleanup();
  });

  it('is resumed by another worker to its whole ladder without redoing the pass it finished', async () => {
    const src = await makeClip(join(env.dir, 'clip.mp4'), { width: 480, height: 854, durationS: 4 });
    const repo = videosRepo(env.deps.metadata);
    const childTmp = join(env.dir, 'child-tmp');
    await mkdir(childTmp);
    let id = '';
    let before: { rung: string; updated_at: number }[] = [];
    let finished: string[] = [];
    // The two passes run at once, so the second can finish before the kill lands: then this run proves
    // nothing about resuming, and the setup starts again with a new upload (at most 3 times).
    for (let attempt = 0; attempt < 3 && finished.length !== 1; attempt++) {
      id = await uploadThroughApi(app, newUserId(), await readFile(src));
      // A separate worker process, one rung at a time, with a short lease so the job is free soon after the kill.
      // In its own process group, so the kill takes its ffmpeg children down with it, as a crashed container
      // or machine would: orphans left running would only compete with the resumed run for the cores.
      child = spawn(process.execPath, [WORKER_MAIN, '--threads', '1', '--lease-ms', '1500'], {
        detached: true,
        env: workerProcessEnv(env, childTmp),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await waitFor(
        'the first rung to be recorded',
        async () => ((await repo.progress(id)).size > 0 ? true : undefined),
        60_000,
        20,
      );
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGKILL');
      await exited;

      before = await env.deps.metadata.all<{ rung: string; updated_at: number }>(
        `SELECT rung, updated_at FROM transcode_progress WHERE video_id = $1 AND status = 'done' ORDER BY rung`,
        [id],
      );
      finished = before.map((r) => r.rung);
      expect(finished.length).toBeGreaterThan(0);
    }
    expect(finished).toHaveLength(1);
    expect((await repo.get(id))!.renditions.length).toBeLessThan(2);

    const redone: string[] = [];
    worker = startTranscodeWorker(env.deps, {
      threads: 2,
      onStepDone: (v, step) => (v === id ? redone.push(step) : 0),
    });
    const ready = await waitFor(
      'the video to be ready with its whole ladder',
      async () => {
        const v = await repo.get(id);
        return (v?.status === 'ready' && v.renditions.length === 2) || v?.status === 'failed' ? v : undefined;
      },
      90_000,
    ).catch(async (err: Error) => {
      // Say where it stopped: the video, its recorded passes, the job, and the passes the worker finished.
      const v = await repo.get(id);
      const job = await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, 1));
      const state = {
        video: v && { status: v.status, renditions: v.renditions.map((r) => r.name), failure: v.failureCode },
        progress: Object.fromEntries(await repo.progress(id)),
        job,
        redone,
      };
      throw new Error(`${err.message}: ${JSON.stringify(state)}`);
    });
    expect([ready.status, ready.failureCode]).toEqual(['ready', null]);
    expect(ready.renditions.map((r) => r.name)).toEqual(['360p', '480p']);
    for (const step of finished) expect(redone).not.toContain(step);
    expect([...redone, ...finished].sort()).toEqual(['ladder', 'lowest']);

    const after = await env.deps.metadata.all<{ rung: string; updated_at: number }>(
      `SELECT rung, updated_at FROM transcode_progress WHERE video_id = $1 AND rung IN (${finished.map((_, i) => `$${i + 2}`).join(', ')}) ORDER BY rung`,
      [id, ...finished],
    );
    expect(after).toEqual(before);
    // The queue records completion just after the handler marked the video ready.
    const job = await waitFor('the job to complete', async () => {
      const j = await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, 1));
      return j?.status === 'active' ? undefined : j;
    });
    // The kill used up no attempt: the resumed run was still attempt 1.
    expect(job).toMatchObject({ status: 'completed', attempts: 1, stalls: 1 });
    const master = (await env.deps.objects.getBuffer(`videos/${id}/v1/master.m3u8`)).toString();
    expect(master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(2);
  }, 150_000);
});
