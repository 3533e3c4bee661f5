/** A job as a handler sees it. */
export interface Job<T = unknown> {
  id: string;
  queue: string;
  name: string;
  data: T;
  /**
   * 1 on the first run; one more after each run that threw. A run cut short because its worker died
   * (the lease lapsed) is not an attempt: the job runs again with the same number.
   */
  attempt: number;
}

export type JobStatus = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

export interface JobState {
  id: string;
  status: JobStatus;
  /** Attempts started, not counting runs whose worker died (see `stalls`). */
  attempts: number;
  /** How many times a worker died holding the job (its lease lapsed); present only when > 0. */
  stalls?: number;
  failedReason?: string;
}

export interface EnqueueOptions {
  /** Idempotency: enqueueing an existing id is a no-op returning that id. */
  jobId?: string;
  /** Total tries including the first (default 3); a run whose worker died does not use one up. */
  attempts?: number;
  /** First retry delay; doubles each retry (default 1000 ms). */
  backoffMs?: number;
  delayMs?: number;
}

/** Throw from a handler to fail the job at once, without retries (a corrupt upload, say). */
export class PermanentJobError extends Error {
  readonly reason: string;
  constructor(reason: string, message?: string) {
    super(message ?? reason);
    this.name = 'PermanentJobError';
    this.reason = reason;
  }
}

export interface Worker {
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}

/** `work()` options. */
export interface WorkOptions {
  concurrency?: number;
  /** How long a claimed job stays with its worker without a renewal (renewed every third of it). */
  leaseMs?: number;
  /**
   * How many times a job may lose its worker (killed, crashed: its lease lapsed) before it fails
   * instead of running again (default 10). Bounds a job that crashes every worker it lands on,
   * without letting restarts of healthy workers use up its `attempts`.
   */
  maxStalls?: number;
}

/**
 * A durable job queue with retries and leases.
 * - Any other thrown error retries with exponential backoff until `attempts` is used up.
 * - A job whose worker dies is run again once its lease (`leaseMs`) expires, with the same attempt
 *   number (a crash is not a failure of the job), up to `maxStalls` times.
 * @remarks No priorities, no cron: nothing here needs them yet.
 */
export interface JobQueue {
  readonly kind: 'sqlite' | 'bullmq';
  enqueue<T>(queue: string, name: string, data: T, opts?: EnqueueOptions): Promise<string>;
  work<T>(queue: string, handler: (job: Job<T>) => Promise<void>, opts?: WorkOptions): Worker;
  getJob(queue: string, id: string): Promise<JobState | undefined>;
  /**
   * How many jobs of `queue` are in each status (a delayed job that is due counts as waiting, as in
   * `getJob`). Completed and failed jobs count for as long as the backend keeps them.
   */
  counts(queue: string): Promise<Record<JobStatus, number>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
