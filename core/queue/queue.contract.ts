import { describe, expect, it } from 'vitest';
import { type Job, type JobQueue, PermanentJobError } from './ports.ts';
import { queueFixture, sleep, waitFor } from './queue.contract-fixture.ts';
import { describeJobQueueCrashContract } from './queue.crash.contract.ts';

/** What the crash tests need besides `open`: the URL a separate worker process opens the same store with. */
export interface JobQueueContractOptions {
  url: string;
}

/**
 * Every behaviour the JobQueue port promises, run against one backend. `open` must return a new
 * handle on the same store each call (so close + reopen finds earlier jobs); each test uses its own queues.
 * The crash promises (SIGKILLed workers) are in queue.crash.contract.ts and run from here too.
 */
export function describeJobQueueContract(
  name: string,
  open: () => Promise<JobQueue>,
  options: JobQueueContractOptions,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    const { openQueue, gate, queueName, stateOf } = queueFixture(open);

    it('runs the handler with the job data on attempt 1, then reports it completed', async () => {
      const q = await openQueue();
      const queue = queueName();
      const id = await q.enqueue(queue, 'transcode', { videoId: 'v1', sizes: [360, 720] });
      const seen: Job[] = [];
      q.work(queue, async (job) => {
        seen.push(job);
      });
      const state = await stateOf(q, queue, id, 'completed');
      expect(seen).toEqual([{ id, queue, name: 'transcode', data: { videoId: 'v1', sizes: [360, 720] }, attempt: 1 }]);
      expect(state).toEqual({ id, status: 'completed', attempts: 1 });
    });

    it('shows waiting, delayed, active and completed through getJob', async () => {
      const q = await openQueue();
      const queue = queueName();
      const now = await q.enqueue(queue, 'a', 1);
      const later = await q.enqueue(queue, 'b', 2, { delayMs: 60_000 });
      expect(await q.getJob(queue, now)).toEqual({ id: now, status: 'waiting', attempts: 0 });
      expect((await q.getJob(queue, later))?.status).toBe('delayed');
      const release = gate();
      let started = false;
      q.work(queue, async () => {
        started = true;
        await release.promise;
      });
      await waitFor('the handler to start', () => started);
      expect(await q.getJob(queue, now)).toMatchObject({ status: 'active', attempts: 1 });
      release.open();
      await stateOf(q, queue, now, 'completed');
      expect((await q.getJob(queue, later))?.status).toBe('delayed');
      expect(await q.getJob(queue, 'no-such-job')).toBeUndefined();
    });

    it('counts jobs per status: waiting, delayed, completed and failed', async () => {
      const q = await openQueue();
      const queue = queueName();
      expect(await q.counts(queue)).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 });
      const ok = await q.enqueue(queue, 'a', { fail: false });
      const bad = await q.enqueue(queue, 'b', { fail: true }, { attempts: 1 });
      await q.enqueue(queue, 'c', { fail: false }, { delayMs: 60_000 });
      expect(await q.counts(queue)).toEqual({ waiting: 2, delayed: 1, active: 0, completed: 0, failed: 0 });
      q.work<{ fail: boolean }>(queue, async (job) => {
        if (job.data.fail) throw new PermanentJobError('bad input');
      });
      await stateOf(q, queue, ok, 'completed');
      await stateOf(q, queue, bad, 'failed');
      expect(await q.counts(queue)).toEqual({ waiting: 0, delayed: 1, active: 0, completed: 1, failed: 1 });
    });

    it('retries a failing handler with exponential backoff and succeeds on attempt 3', async () => {
      const q = await openQueue();
      const queue = queueName();
      const backoffMs = 40;
      const id = await q.enqueue(queue, 'flaky', { n: 1 }, { attempts: 4, backoffMs });
      const starts: number[] = [];
      const fails: number[] = [];
      const attempts: number[] = [];
      q.work(queue, async (job) => {
        starts.push(Date.now());
        attempts.push(job.attempt);
        if (job.attempt < 3) {
          fails.push(Date.now());
          throw new Error(`transient ${job.attempt}`);
        }
      });
      const state = await stateOf(q, queue, id, 'completed');
      expect(attempts).toEqual([1, 2, 3]);
      expect(state.attempts).toBe(3);
      expect(state.failedReason).toBeUndefined();
      // Not before the backoff: 40 ms after the first failure, 80 ms after the second.
      expect(starts[1]! - fails[0]!).toBeGreaterThanOrEqual(backoffMs - 1);
      expect(starts[2]! - fails[1]!).toBeGreaterThanOrEqual(2 * backoffMs - 1);
    });

    it('fails with the last error once the attempts are used up', async () => {
      const q = await openQueue();
      const queue = queueName();
      const id = await q.enqueue(queue, 'doomed', {}, { attempts: 2, backoffMs: 10 });
      let runs = 0;
      q.work(queue, async (job) => {
        runs++;
        throw new Error(`broken on attempt ${job.attempt}`);
      });
      const state = await stateOf(q, queue, id, 'failed');
      expect(state).toEqual({ id, status: 'failed', attempts: 2, failedReason: 'broken on attempt 2' });
      expect(runs).toBe(2);
    });

    it('fails at once on PermanentJobError, keeping its reason', async () => {
      const q = await openQueue();
      const queue = queueName();
      const id = await q.enqueue(queue, 'corrupt', {}, { attempts: 5, backoffMs: 10 });
      let runs = 0;
      q.work(queue, async () => {
        runs++;
        throw new PermanentJobError('not a video file', 'ffprobe found no streams');
      });
      const state = await stateOf(q, queue, id, 'failed');
      expect(state).toEqual({ id, status: 'failed', attempts: 1, failedReason: 'not a video file' });
      expect(runs).toBe(1);
    });

    it('treats a repeated jobId as the same job, before and after it ran', async () => {
      const q = await openQueue();
      const queue = queueName();
      expect(await q.enqueue(queue, 'thumb', { v: 1 }, { jobId: 'thumb-v1' })).toBe('thumb-v1');
      expect(await q.enqueue(queue, 'thumb', { v: 2 }, { jobId: 'thumb-v1' })).toBe('thumb-v1');
      const seen: unknown[] = [];
      q.work(queue, async (job) => {
        seen.push(job.data);
      });
      await stateOf(q, queue, 'thumb-v1', 'completed');
      expect(await q.enqueue(queue, 'thumb', { v: 3 }, { jobId: 'thumb-v1' })).toBe('thumb-v1');
      // A later job on the same single-slot worker finishing means any duplicate would have run by now.
      const after = await q.enqueue(queue, 'other', { v: 'after' });
      await stateOf(q, queue, after, 'completed');
      expect(seen).toEqual([{ v: 1 }, { v: 'after' }]);
      expect(await q.getJob(queue, 'thumb-v1')).toMatchObject({ status: 'completed', attempts: 1 });
    });

    it('accepts job ids with colons, percent signs and digits only', async () => {
      const q = await openQueue();
      const queue = queueName();
      const ids = ['video:42:transcode', '100%:done', '12345', '%i7'];
      for (const id of ids) expect(await q.enqueue(queue, 'x', { id }, { jobId: id })).toBe(id);
      const seen: string[] = [];
      q.work(queue, async (job) => {
        expect(job.data).toEqual({ id: job.id });
        seen.push(job.id);
      });
      for (const id of ids) await stateOf(q, queue, id, 'completed');
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('does not run a delayed job before its delay', async () => {
      const q = await openQueue();
      const queue = queueName();
      const delayMs = 300;
      const enqueuedAt = Date.now();
      const id = await q.enqueue(queue, 'later', {}, { delayMs });
      let startedAt = 0;
      q.work(queue, async () => {
        startedAt = Date.now();
      });
      await stateOf(q, queue, id, 'completed');
      expect(startedAt - enqueuedAt).toBeGreaterThanOrEqual(delayMs);
    });

    it('never runs more than `concurrency` handlers at once', async () => {
      const q = await openQueue();
      const queue = queueName();
      const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => q.enqueue(queue, 'job', { i })));
      const release = gate();
      let running = 0;
      let peak = 0;
      let started = 0;
      q.work(
        queue,
        async () => {
          started++;
          running++;
          peak = Math.max(peak, running);
          await release.promise;
          await sleep(5);
          running--;
        },
        { concurrency: 2 },
      );
      await waitFor('two handlers to run', () => running === 2);
      await sleep(200);
      expect(started).toBe(2);
      release.open();
      for (const id of ids) await stateOf(q, queue, id, 'completed');
      expect(peak).toBe(2);
      expect(started).toBe(6);
    });

    it('shares work between two handles on the same store without running a job twice', async () => {
      const [a, b] = [await openQueue(), await openQueue()];
      const queue = queueName();
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => a.enqueue(queue, 'job', { i })));
      const runs = new Map<string, number>();
      const handler = async (job: Job) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        await sleep(5);
      };
      a.work(queue, handler, { concurrency: 3 });
      b.work(queue, handler, { concurrency: 3 });
      for (const id of ids) await stateOf(a, queue, id, 'completed');
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(20);
    });

    it('close() waits for the running job, which is then completed', async () => {
      const q = await openQueue();
      const queue = queueName();
      const id = await q.enqueue(queue, 'slow', {});
      const release = gate();
      let started = false;
      q.work(queue, async () => {
        started = true;
        await release.promise;
      });
      await waitFor('the handler to start', () => started);
      let closed = false;
      const closing = q.close().then(() => {
        closed = true;
      });
      await sleep(150);
      expect(closed).toBe(false);
      release.open();
      await closing;
      const again = await openQueue();
      expect(await again.getJob(queue, id)).toMatchObject({ status: 'completed', attempts: 1 });
      await expect(q.enqueue(queue, 'late', {})).rejects.toThrow(/closed/);
    });

    it('keeps an enqueued job across close and reopen, and runs it then', async () => {
      const first = await openQueue();
      const queue = queueName();
      const id = await first.enqueue(queue, 'persisted', { keep: true }, { jobId: 'keep-me' });
      await first.close();
      const second = await openQueue();
      const seen: Job[] = [];
      second.work(queue, async (job) => {
        seen.push(job);
      });
      await stateOf(second, queue, id, 'completed');
      expect(seen).toEqual([{ id: 'keep-me', queue, name: 'persisted', data: { keep: true }, attempt: 1 }]);
    });

    it('rejects bad input with a clear error', async () => {
      const q = await openQueue();
      await expect(q.enqueue('', 'x', {})).rejects.toThrow(/queue name/);
      await expect(q.enqueue('a:b', 'x', {})).rejects.toThrow(/queue name/);
      await expect(q.enqueue('ok', '', {})).rejects.toThrow(/job name/);
      await expect(q.enqueue('ok', 'x', {}, { attempts: 0 })).rejects.toThrow(/attempts/);
      await expect(q.enqueue('ok', 'x', {}, { delayMs: -1 })).rejects.toThrow(/delayMs/);
      await expect(q.enqueue('ok', 'x', {}, { jobId: '' })).rejects.toThrow(/job id/);
      expect(() => q.work('ok', async () => {}, { concurrency: 0 })).toThrow(/concurrency/);
      expect(() => q.work('ok', async () => {}, { maxStalls: -1 })).toThrow(/maxStalls/);
      await expect(q.ping()).resolves.toBeUndefined();
    });
  });
  describeJobQueueCrashContract(name, open, options.url);
}
