import {
  type Job as BullJob,
  type JobState as BullState,
  Worker as BullWorker,
  Queue,
  UnrecoverableError,
} from 'bullmq';
import { Redis } from 'ioredis';
import { newId } from '../ids.ts';
import { redact } from '../open-by-url.ts';
import { checkJobId, checkQueueName, errorMessage, resolveEnqueue, resolveWork } from './job-options.ts';
import type { EnqueueOptions, Job, JobQueue, JobState, JobStatus, Worker, WorkOptions } from './ports.ts';
import { PermanentJobError } from './ports.ts';

/** Connection settings parsed from `redis://[user:pass@]host:port/db?prefix=foryou`. */
export interface BullmqSettings {
  /** Plain options both ioredis and BullMQ accept. */
  redis: { host: string; port: number; db: number; username?: string; password?: string; tls?: object };
  /** Namespaces every key this queue writes, so tests and deployments can share one Redis. */
  prefix: string;
}

/** Parses a `redis:` or `rediss:` URL; throws a clear error on anything it does not understand. */
export function parseBullmqUrl(url: URL): BullmqSettings {
  const where = redact(url.href);
  const dbText = url.pathname.replace(/^\//, '') || '0';
  const db = Number(dbText);
  if (!Number.isSafeInteger(db) || db < 0) throw new Error(`JobQueue: bad database number "${dbText}" in ${where}`);
  let prefix = 'foryou';
  for (const [key, value] of url.searchParams) {
    if (key !== 'prefix') throw new Error(`JobQueue: unknown option "${key}" in ${where} (known: prefix)`);
    if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new Error(`JobQueue: prefix must match [A-Za-z0-9._-]+ in ${where}`);
    prefix = value;
  }
  const redis: BullmqSettings['redis'] = {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    db,
  };
  if (url.username) redis.username = decodeURIComponent(url.username);
  if (url.password) redis.password = decodeURIComponent(url.password);
  if (url.protocol === 'rediss:') redis.tls = {};
  return { redis, prefix };
}

// BullMQ rejects custom ids containing ':' or spelling an integer; escaping keeps any port-level id
// usable and reversible. '%i' cannot come out of the '%' escaping, so it marks the integer case.
function encodeId(id: string): string {
  const escaped = id.replaceAll('%', '%25').replaceAll(':', '%3A');
  return `${Number.parseInt(escaped, 10)}` === escaped ? `%i${escaped}` : escaped;
}

function decodeId(id: string): string {
  return id.replace(/^%i/, '').replace(/%(25|3A)/g, (_, code: string) => (code === '25' ? '%' : ':'));
}

/** How often workers look for stalled jobs at most, ms. */
const STALLED_CHECK_MS = 5_000;

/** Starts minus stalls: the attempt a running job is on, or the attempts a finished one used. */
function attemptOf(job: BullJob): number {
  return Math.max(0, job.attemptsStarted - (job.stalledCounter ?? 0));
}

const STATUS: Record<BullState, JobStatus> = {
  waiting: 'waiting',
  'waiting-children': 'waiting',
  prioritized: 'waiting',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

/** Opens a BullMQ-backed queue and checks that Redis answers. */
export async function openBullmqQueue(
  url: URL,
  onError: (err: Error) => void = (err) => process.emitWarning(err.message),
): Promise<JobQueue> {
  const settings = parseBullmqUrl(url);
  // Queues share one connection that fails commands fast; workers get their own blocking ones.
  const conn = new Redis({ ...settings.redis, maxRetriesPerRequest: 2, lazyConnect: true });
  conn.on('error', () => {}); // reconnects on its own; the failing command reports the error
  try {
    await conn.connect();
    await conn.ping();
  } catch (err) {
    conn.disconnect();
    throw new Error(`JobQueue: cannot reach Redis at ${redact(url.href)}: ${errorMessage(err)}`);
  }
  return new BullmqJobQueue(conn, settings, onError);
}

/**
 * The port on BullMQ. A start whose worker died (the job stalled: its lock expired) is not an attempt,
 * as in BullMQ itself and the SQLite backend: the attempt number is the starts minus the stalls, and
 * stalls are bounded by `maxStalls` (checked in the processor, so BullMQ's own limit is set out of reach).
 */
export class BullmqJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly #conn: Redis;
  readonly #settings: BullmqSettings;
  readonly #queues = new Map<string, Queue>();
  readonly #workers = new Set<BullWorker>();
  #closed: Promise<void> | undefined;
  readonly #onError: (err: Error) => void;

  constructor(conn: Redis, settings: BullmqSettings, onError: (err: Error) => void) {
    this.#conn = conn;
    this.#settings = settings;
    this.#onError = onError;
  }

  async enqueue<T>(queue: string, name: string, data: T, opts?: EnqueueOptions): Promise<string> {
    const o = resolveEnqueue(queue, name, opts);
    const id = o.jobId ?? newId();
    // An existing id makes BullMQ return the stored job untouched: the idempotency the port promises.
    await this.#queue(queue).add(name, data ?? null, {
      jobId: encodeId(id),
      attempts: o.attempts,
      backoff: { type: 'exponential', delay: o.backoffMs },
      ...(o.delayMs > 0 ? { delay: o.delayMs } : {}),
    });
    return id;
  }

  work<T>(queue: string, handler: (job: Job<T>) => Promise<void>, opts?: WorkOptions): Worker {
    const { concurrency, leaseMs, maxStalls } = resolveWork(queue, opts);
    this.#assertOpen();
    const processor = async (job: BullJob) => {
      const attempt = attemptOf(job);
      const attempts = job.opts.attempts ?? 1;
      if (job.stalledCounter > maxStalls) {
        throw new UnrecoverableError(
          `worker lost ${job.stalledCounter} times (lease expired; at most ${maxStalls} restarts)`,
        );
      }
      try {
        await handler({ id: decodeId(job.id ?? ''), queue, name: job.name, data: job.data as T, attempt });
      } catch (err) {
        if (err instanceof PermanentJobError) throw new UnrecoverableError(err.reason);
        if (attempt >= attempts) throw new UnrecoverableError(errorMessage(err));
        throw err instanceof Error ? err : new Error(errorMessage(err));
      }
    };
    const worker = new BullWorker(queue, processor, {
      connection: { ...this.#settings.redis, maxRetriesPerRequest: null },
      prefix: this.#settings.prefix,
      concurrency,
      lockDuration: leaseMs,
      // A job is taken back on the second check after its lock lapsed: checking every few seconds
      // (a cheap script over the active list) brings a dead worker's job back about one lease after
      // the death, not up to three (with the check every lease, a 60 s transcode lease meant 2-3 min).
      stalledInterval: Math.min(leaseMs, STALLED_CHECK_MS),
      // Stalls are bounded by `maxStalls` in the processor above, not by BullMQ's separate counter.
      maxStalledCount: 1_000_000,
    });
    worker.on('error', (err) =>
      this.#onError(new Error(`JobQueue bullmq worker on "${queue}": ${errorMessage(err)}`, { cause: err })),
    );
    this.#workers.add(worker);
    let closing: Promise<void> | undefined;
    return {
      close: () => {
        closing ??= worker.close().finally(() => this.#workers.delete(worker));
        return closing;
      },
    };
  }

  async getJob(queue: string, id: string): Promise<JobState | undefined> {
    checkQueueName(queue);
    checkJobId(id);
    const q = this.#queue(queue);
    // State first: the job's fields are written together with each move, so read after the state
    // they are at least as new (a failed job always shows its reason).
    const state = await q.getJobState(encodeId(id));
    if (state === 'unknown') return undefined;
    const job = await q.getJob(encodeId(id));
    if (!job) return undefined;
    const result: JobState = { id, status: STATUS[state], attempts: attemptOf(job) };
    if (job.stalledCounter > 0) result.stalls = job.stalledCounter;
    // BullMQ keeps the last error after a retry succeeds; the port reports it only while it matters.
    if (job.failedReason && state !== 'completed') result.failedReason = job.failedReason;
    return result;
  }

  async counts(queue: string): Promise<Record<JobStatus, number>> {
    checkQueueName(queue);
    const raw = await this.#queue(queue).getJobCounts(...(Object.keys(STATUS) as BullState[]));
    const out: Record<JobStatus, number> = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
    for (const [state, n] of Object.entries(raw)) {
      const status = STATUS[state as BullState];
      if (status) out[status] += n;
    }
    return out;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#conn.ping();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#workers].map((w) => w.close()));
      await Promise.all([...this.#queues.values()].map((q) => q.close()));
      await this.#conn.quit();
    })();
    return this.#closed;
  }

  #queue(name: string): Queue {
    this.#assertOpen();
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#conn, prefix: this.#settings.prefix });
      queue.on('error', (err) =>
        this.#onError(new Error(`JobQueue bullmq queue "${name}": ${errorMessage(err)}`, { cause: err })),
      );
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('JobQueue: the bullmq queue is closed');
  }
}
