/**
 * The trainer worker: a job on the platform's job queue (embedded SQLite or BullMQ, by QUEUE_URL) that
 * runs a learning-loop cycle every `everyMs`. The queue has no cron, so each run first enqueues the
 * next one, delayed to the next slot, under an id derived from the slot: two trainer processes (or a
 * restart) enqueue the same id and the queue keeps one, and a crashed cycle never stops the schedule.
 */
import type { Job, JobQueue, Worker } from '../../core/queue/ports.ts';

export const TRAIN_QUEUE = 'train-loop';
export const CYCLE_JOB = 'cycle';

/** What one scheduled run carries. */
export interface CycleJob {
  slot: number;
}

export interface TrainerWorkerOptions<R> {
  queue: JobQueue;
  everyMs: number;
  /** Runs one cycle (the caller wires the registry, data and gate). */
  cycle: (job: Job<CycleJob>) => Promise<R>;
  onCycle?: (result: R, job: Job<CycleJob>) => void;
  onError?: (err: unknown, job: Job<CycleJob>) => void;
  now?: () => number;
  /** A cycle's lease; a trainer that dies mid-cycle is replaced after it (default 30 min). */
  leaseMs?: number;
}

/** The id of the run of a slot: the same in every process, so scheduling is idempotent. */
export const cycleJobId = (slot: number) => `cycle-${slot}`;

/** Starts the worker and schedules the current slot's cycle at once; `close()` stops taking jobs. */
export async function startTrainerWorker<R>(o: TrainerWorkerOptions<R>): Promise<Worker & { enqueued: string }> {
  if (!(o.everyMs > 0)) throw new Error(`the loop interval must be positive, got ${o.everyMs} ms`);
  const now = o.now ?? Date.now;
  const schedule = (slot: number) =>
    o.queue.enqueue<CycleJob>(
      TRAIN_QUEUE,
      CYCLE_JOB,
      { slot },
      { jobId: cycleJobId(slot), attempts: 2, backoffMs: 30_000, delayMs: Math.max(0, slot * o.everyMs - now()) },
    );
  const worker = o.queue.work<CycleJob>(
    TRAIN_QUEUE,
    async (job) => {
      if (job.name !== CYCLE_JOB) return;
      // The next run first: a cycle that fails or a trainer that dies must not end the schedule.
      await schedule(Math.max(job.data.slot, Math.floor(now() / o.everyMs)) + 1);
      let result: R;
      try {
        result = await o.cycle(job);
      } catch (err) {
        o.onError?.(err, job);
        throw err;
      }
      o.onCycle?.(result, job);
    },
    { concurrency: 1, leaseMs: o.leaseMs ?? 30 * 60_000 },
  );
  const enqueued = await schedule(Math.floor(now() / o.everyMs));
  return { enqueued, close: () => worker.close() };
}
