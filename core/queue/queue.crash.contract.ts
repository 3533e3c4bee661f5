import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from './ports.ts';
import { queueFixture, sleep, waitFor } from './queue.contract-fixture.ts';

/**
 * The JobQueue's crash promises, run against one backend: a worker killed with SIGKILL loses its lease,
 * the job runs again on the same attempt, and a job that keeps killing its workers fails after `maxStalls`.
 * `url` is what a separate worker process opens the same store with.
 */
export function describeJobQueueCrashContract(name: string, open: () => Promise<JobQueue>, url: string): void {
  describe(`JobQueue crash contract: ${name}`, () => {
    const { children, openQueue, queueName, stateOf } = queueFixture(open);

    /** Starts a worker process that claims jobs of `queue` and never finishes them; resolves with it once it holds `n`. */
    async function leaseHolder(queue: string, leaseMs: number, n: number) {
      const holder = spawn(
        process.execPath,
        [fileURLToPath(new URL('./queue.lease-holder.ts', import.meta.url)), url, queue, String(leaseMs), String(n)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(holder);
      let stderr = '';
      holder.stderr?.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
      const lines: { id: string; attempt: number }[] = [];
      createInterface({ input: holder.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
      await Promise.race([
        waitFor(`a lease holder to claim ${n} jobs`, () => lines.length >= n, 30_000),
        exited.then(() => Promise.reject(new Error(`lease holder exited early: ${stderr}`))),
      ]);
      return {
        lines,
        async kill9() {
          holder.kill('SIGKILL');
          await exited;
        },
      };
    }

    it('runs a job again once the lease of its killed worker expires, on the same attempt: a crash is not a failure', async () => {
      const q = await openQueue();
      const queue = queueName();
      const leaseMs = 1000;
      const retried = await q.enqueue(queue, 'long', { n: 7 }, { attempts: 3, backoffMs: 10 });
      const lastTry = await q.enqueue(queue, 'once', { n: 8 }, { attempts: 1 });

      const holder = await leaseHolder(queue, leaseMs, 2);
      expect(holder.lines).toEqual(
        expect.arrayContaining([
          { id: retried, attempt: 1 },
          { id: lastTry, attempt: 1 },
        ]),
      );

      // While the holder lives it renews its leases: a second worker must not take long jobs away.
      const runs: { id: string; attempt: number }[] = [];
      q.work(
        queue,
        async (job) => {
          runs.push({ id: job.id, attempt: job.attempt });
        },
        { leaseMs, concurrency: 2 },
      );
      await sleep(2.5 * leaseMs);
      expect(runs).toEqual([]);
      expect(await q.getJob(queue, retried)).toMatchObject({ status: 'active', attempts: 1 });

      await holder.kill9();
      // Even the job with a single attempt runs again: the kill used up none.
      expect(await stateOf(q, queue, retried, 'completed')).toEqual({
        id: retried,
        status: 'completed',
        attempts: 1,
        stalls: 1,
      });
      expect(await stateOf(q, queue, lastTry, 'completed')).toEqual({
        id: lastTry,
        status: 'completed',
        attempts: 1,
        stalls: 1,
      });
      expect(runs).toEqual(
        expect.arrayContaining([
          { id: retried, attempt: 1 },
          { id: lastTry, attempt: 1 },
        ]),
      );
      expect(runs).toHaveLength(2);
    });

    it('completes a job whose worker was killed three times in a row, on its one attempt', async () => {
      const q = await openQueue();
      const queue = queueName();
      const leaseMs = 1000;
      const id = await q.enqueue(queue, 'killed', { n: 1 }, { attempts: 1 });
      for (let kill = 0; kill < 3; kill++) {
        const holder = await leaseHolder(queue, leaseMs, 1);
        expect(holder.lines).toEqual([{ id, attempt: 1 }]);
        await holder.kill9();
      }
      const runs: number[] = [];
      q.work(queue, async (job) => void runs.push(job.attempt), { leaseMs });
      expect(await stateOf(q, queue, id, 'completed')).toEqual({ id, status: 'completed', attempts: 1, stalls: 3 });
      expect(runs).toEqual([1]);
    });

    it('fails a job that lost its worker more than maxStalls times, with the reason', async () => {
      const q = await openQueue();
      const queue = queueName();
      const leaseMs = 1000;
      const id = await q.enqueue(queue, 'poison', {}, { attempts: 3 });
      for (let kill = 0; kill < 2; kill++) await (await leaseHolder(queue, leaseMs, 1)).kill9();
      const runs: number[] = [];
      q.work(queue, async (job) => void runs.push(job.attempt), { leaseMs, maxStalls: 1 });
      const failed = await stateOf(q, queue, id, 'failed');
      expect(failed).toMatchObject({
        stalls: 2,
        failedReason: 'worker lost 2 times (lease expired; at most 1 restarts)',
      });
      expect(runs).toEqual([]);
    });
  });
}
