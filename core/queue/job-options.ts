import type { EnqueueOptions, WorkOptions } from './ports.ts';

/** Defaults shared by every backend, so a job behaves the same whichever queue runs it. */
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
export const DEFAULT_LEASE_MS = 30_000;
/** Lost workers a job survives before it fails (kill -9, OOM, a deploy without a drain). */
export const DEFAULT_MAX_STALLS = 10;

/** Enqueue options with defaults applied; `jobId` stays undefined when the caller gave none. */
export interface ResolvedEnqueue {
  jobId: string | undefined;
  attempts: number;
  backoffMs: number;
  delayMs: number;
}

/** Worker options with defaults applied. */
export interface ResolvedWork {
  concurrency: number;
  leaseMs: number;
  maxStalls: number;
}

// ':' is BullMQ's key separator; one rule for every backend keeps queue names portable between them.
const QUEUE_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Throws a clear error unless `queue` is a portable queue name. */
export function checkQueueName(queue: string): void {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw new TypeError(`JobQueue: queue name must match ${QUEUE_NAME} (got ${JSON.stringify(queue)})`);
  }
}

/** Throws a clear error unless `id` is a usable job id. */
export function checkJobId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
    throw new TypeError(`JobQueue: a job id must be a string of 1 to 256 characters (got ${JSON.stringify(id)})`);
  }
}

function nonNegativeInt(what: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`JobQueue: ${what} must be an integer >= ${min} (got ${value})`);
  }
  return value;
}

/** Checks an enqueue call and fills in defaults; throws before any I/O on bad input. */
export function resolveEnqueue(queue: string, name: string, opts: EnqueueOptions = {}): ResolvedEnqueue {
  checkQueueName(queue);
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`JobQueue: job name must be a non-empty string (got ${JSON.stringify(name)})`);
  }
  if (opts.jobId !== undefined) checkJobId(opts.jobId);
  return {
    jobId: opts.jobId,
    attempts: nonNegativeInt('attempts', opts.attempts, DEFAULT_ATTEMPTS, 1),
    backoffMs: nonNegativeInt('backoffMs', opts.backoffMs, DEFAULT_BACKOFF_MS),
    delayMs: nonNegativeInt('delayMs', opts.delayMs, 0),
  };
}

/** Checks `work()` options and fills in defaults. */
export function resolveWork(queue: string, opts: WorkOptions = {}): ResolvedWork {
  checkQueueName(queue);
  return {
    concurrency: nonNegativeInt('concurrency', opts.concurrency, 1, 1),
    leaseMs: nonNegativeInt('leaseMs', opts.leaseMs, DEFAULT_LEASE_MS, 10),
    maxStalls: nonNegativeInt('maxStalls', opts.maxStalls, DEFAULT_MAX_STALLS),
  };
}

/** JSON text of job data; `undefined` becomes `null` so every backend hands back the same value. */
export function serializeData(data: unknown): string {
  const text = JSON.stringify(data ?? null);
  if (text === undefined) throw new TypeError('JobQueue: job data must be JSON-serializable');
  return text;
}

/** The message of anything a handler threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
