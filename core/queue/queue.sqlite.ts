import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { newId } from '../ids.ts';
import { pathFromUrl } from '../open-by-url.ts';
import {
  checkJobId,
  checkQueueName,
  errorMessage,
  type ResolvedWork,
  resolveEnqueue,
  resolveWork,
  serializeData,
} from './job-options.ts';
import type { EnqueueOptions, Job, JobQueue, JobState, JobStatus, Worker, WorkOptions } from './ports.ts';
import { PermanentJobError } from './ports.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('waiting', 'delayed', 'active', 'completed', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  stalls INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_ms INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  failed_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (queue, id)
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (queue, status, run_at);
`;

/** Tuning read from the URL's query string. */
export interface SqliteQueueOptions {
  /** How often idle workers look for jobs enqueued by other processes (local enqueues wake them at once). */
  pollMs: number;
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs: number;
}

interface ClaimedRow {
  id: string;
  name: string;
  data: string;
  /** Runs started, lost ones included: the fence of this claim. */
  attempts: number;
  /** Runs lost with their worker (lease lapsed); `attempts - stalls` is the attempt number. */
  stalls: number;
  max_attempts: number;
  backoff_ms: number;
}

/** Opens `sqlite://path/to/queue.db?pollMs=200` (or `sqlite://:memory:` for one process). */
export async function openSqliteQueue(
  url: URL,
  onError: (err: Error) => void = (err) => process.emitWarning(err.message),
): Promise<JobQueue> {
  const opts: SqliteQueueOptions = { pollMs: 200, busyTimeoutMs: 5000 };
  for (const [key, value] of url.searchParams) {
    if (key !== 'pollMs' && key !== 'busyTimeoutMs') {
      throw new Error(`JobQueue: unknown option "${key}" in sqlite URL (known: pollMs, busyTimeoutMs)`);
    }
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`JobQueue: ${key} must be a positive integer (got "${value}")`);
    opts[key] = n;
  }
  const path = pathFromUrl(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return new SqliteJobQueue(new DatabaseSync(path), opts, onError);
}

/**
 * A durable job queue in one SQLite file that several processes may share.
 * Claims are single UPDATE … RETURNING statements, so two workers never hold the same lease;
 * the run count (column `attempts`) fences a worker whose lease was taken over from writing the job's
 * outcome. A run lost with its worker counts in `stalls` too, so it does not use up an attempt.
 */
export class SqliteJobQueue implements JobQueue {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #opts: SqliteQueueOptions;
  readonly #workers = new Set<SqliteWorker>();
  readonly #sql: Record<
    'insert' | 'get' | 'counts' | 'claim' | 'expire' | 'nextDue' | 'heartbeat' | 'complete' | 'fail' | 'retry',
    StatementSync
  >;
  #closed: Promise<void> | undefined;
  /** Told about failures the queue recovers from (see `OpenJobQueueOptions.onError`). */
  readonly onError: (err: Error) => void;

  constructor(db: DatabaseSync, opts: SqliteQueueOptions, onError: (err: Error) => void) {
    this.#db = db;
    this.#opts = opts;
    this.onError = onError;
    // busy_timeout first: switching to WAL and creating the schema take locks other processes may hold.
    db.exec(`PRAGMA busy_timeout = ${opts.busyTimeoutMs}`);
    db.exec('PRAGMA journal_mode = WAL');
    // FULL syncs the WAL on every commit: an enqueue that resolved survives a crash of the machine too.
    db.exec('PRAGMA synchronous = FULL');
    db.exec(SCHEMA);
    // Files made before `stalls` existed: every lost run there counted as an attempt, as it did then.
    const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'stalls')) {
      try {
        db.exec('ALTER TABLE jobs ADD COLUMN stalls INTEGER NOT NULL DEFAULT 0');
      } catch (err) {
        // Another process opening the same file added it first.
        if (!/duplicate column/i.test(errorMessage(err))) throw err;
      }
    }
    const fence = 'queue = ? AND id = ? AND status = ? AND attempts = ?';
    this.#sql = {
      insert: db.prepare(
        `INSERT INTO jobs (queue, id, name, data, status, attempts, max_attempts, backoff_ms, run_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT (queue, id) DO NOTHING`,
      ),
      get: db.prepare('SELECT status, attempts, stalls, failed_reason, run_at FROM jobs WHERE queue = ? AND id = ?'),
      counts: db.prepare(
        `SELECT CASE WHEN status = 'delayed' AND run_at <= :now THEN 'waiting' ELSE status END AS status, COUNT(*) AS n
         FROM jobs WHERE queue = :queue GROUP BY 1`,
      ),
      // Taking over an active job whose lease lapsed counts a stall (its worker died), not an attempt.
      claim: db.prepare(
        `UPDATE jobs SET status = 'active', attempts = attempts + 1,
           stalls = stalls + (CASE WHEN status = 'active' THEN 1 ELSE 0 END), lease_until = :lease, updated_at = :now
         WHERE queue = :queue AND id IN (
           SELECT id FROM jobs WHERE queue = :queue AND (
             (status IN ('waiting', 'delayed') AND run_at <= :now)
             OR (status = 'active' AND lease_until <= :now AND stalls < :maxStalls))
           ORDER BY run_at LIMIT :limit)
         RETURNING id, name, data, attempts, stalls, max_attempts, backoff_ms`,
      ),
      // A job that lost its worker more than `maxStalls` times fails instead of being claimed again.
      expire: db.prepare(
        `UPDATE jobs SET status = 'failed', stalls = stalls + 1, lease_until = NULL, updated_at = :now,
           failed_reason = 'worker lost ' || (stalls + 1) || ' times (lease expired; at most ' || CAST(:maxStalls AS INTEGER) || ' restarts)'
         WHERE queue = :queue AND status = 'active' AND lease_until <= :now AND stalls >= :maxStalls`,
      ),
      nextDue: db.prepare(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(run_at) AS t FROM jobs WHERE queue = ? AND status IN ('waiting', 'delayed')
           UNION ALL SELECT MIN(lease_until) FROM jobs WHERE queue = ? AND status = 'active')`,
      ),
      heartbeat: db.prepare(`UPDATE jobs SET lease_until = ?, updated_at = ? WHERE ${fence}`),
      complete: db.prepare(
        `UPDATE jobs SET status = 'completed', lease_until = NULL, failed_reason = NULL, updated_at = ? WHERE ${fence}`,
      ),
      fail: db.prepare(
        `UPDATE jobs SET status = 'failed', lease_until = NULL, failed_reason = ?, updated_at = ? WHERE ${fence}`,
      ),
      retry: db.prepare(
        `UPDATE jobs SET status = 'delayed', lease_until = NULL, run_at = ?, failed_reason = ?, updated_at = ?
         WHERE ${fence}`,
      ),
    };
  }

  async enqueue<T>(queue: string, name: string, data: T, opts?: EnqueueOptions): Promise<string> {
    const o = resolveEnqueue(queue, name, opts);
    const text = serializeData(data);
    this.#assertOpen();
    const id = o.jobId ?? newId();
    const now = Date.now();
    const status: JobStatus = o.delayMs > 0 ? 'delayed' : 'waiting';
    this.#sql.insert.run(queue, id, name, text, status, o.attempts, o.backoffMs, now + o.delayMs, now, now);
    for (const w of this.#workers) if (w.queue === queue) w.wake();
    return id;
  }

  work<T>(queue: string, handler: (job: Job<T>) => Promise<void>, opts?: WorkOptions): Worker {
    const o = resolveWork(queue, opts);
    this.#assertOpen();
    const worker = new SqliteWorker(this, queue, handler as (job: Job<unknown>) => Promise<void>, o, this.#opts.pollMs);
    this.#workers.add(worker);
    worker.done.finally(() => this.#workers.delete(worker));
    return worker;
  }

  async getJob(queue: string, id: string): Promise<JobState | undefined> {
    checkQueueName(queue);
    checkJobId(id);
    this.#assertOpen();
    const row = this.#sql.get.get(queue, id) as
      | { status: JobStatus; attempts: number; stalls: number; failed_reason: string | null; run_at: number }
      | undefined;
    if (!row) return undefined;
    // A delayed job whose time has come is waiting for a worker, as BullMQ reports it once promoted.
    const status = row.status === 'delayed' && row.run_at <= Date.now() ? 'waiting' : row.status;
    const state: JobState = { id, status, attempts: row.attempts - row.stalls };
    if (row.stalls > 0) state.stalls = row.stalls;
    if (row.failed_reason !== null) state.failedReason = row.failed_reason;
    return state;
  }

  async counts(queue: string): Promise<Record<JobStatus, number>> {
    checkQueueName(queue);
    this.#assertOpen();
    const out: Record<JobStatus, number> = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
    for (const r of this.#sql.counts.all({ queue, now: Date.now() }) as { status: JobStatus; n: number }[]) {
      out[r.status] += Number(r.n);
    }
    return out;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    this.#db.prepare('SELECT 1').get();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#workers].map((w) => w.close()));
      this.#db.close();
    })();
    return this.#closed;
  }

  /** Leases up to `limit` due jobs of `queue` for `leaseMs`; each claim is one more run. */
  claim(queue: string, limit: number, leaseMs: number, maxStalls: number): ClaimedRow[] {
    const now = Date.now();
    this.#sql.expire.run({ queue, now, maxStalls });
    return this.#sql.claim.all({ queue, now, lease: now + leaseMs, limit, maxStalls }) as unknown as ClaimedRow[];
  }

  /** When the next job of `queue` becomes due or its lease runs out, if any. */
  nextDue(queue: string): number | undefined {
    const row = this.#sql.nextDue.get(queue, queue) as { t: number | null } | undefined;
    return row?.t ?? undefined;
  }

  /** Extends a held lease; false when the lease was lost to another worker. */
  renew(queue: string, id: string, attempt: number, leaseMs: number): boolean {
    const now = Date.now();
    return this.#sql.heartbeat.run(now + leaseMs, now, queue, id, 'active', attempt).changes > 0;
  }

  /** Records a run's outcome, unless the lease was taken over meanwhile (then the newer attempt owns it). */
  settle(queue: string, row: ClaimedRow, outcome: { ok: true } | { ok: false; err: unknown }): void {
    const now = Date.now();
    const fence = [queue, row.id, 'active', row.attempts] as const;
    const attempt = row.attempts - row.stalls;
    if (outcome.ok) {
      this.#sql.complete.run(now, ...fence);
    } else if (outcome.err instanceof PermanentJobError) {
      this.#sql.fail.run(outcome.err.reason, now, ...fence);
    } else if (attempt >= row.max_attempts) {
      this.#sql.fail.run(errorMessage(outcome.err), now, ...fence);
    } else {
      const delay = row.backoff_ms * 2 ** (attempt - 1);
      this.#sql.retry.run(now + delay, errorMessage(outcome.err), now, ...fence);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('JobQueue: the sqlite queue is closed');
  }
}

/** One `work()` call: a claim loop that keeps up to `concurrency` handlers running. */
class SqliteWorker implements Worker {
  readonly queue: string;
  readonly done: Promise<void>;
  readonly #store: SqliteJobQueue;
  readonly #handler: (job: Job<unknown>) => Promise<void>;
  readonly #opts: ResolvedWork;
  readonly #pollMs: number;
  readonly #running = new Set<Promise<void>>();
  #closing = false;
  #woken = false;
  #resume: (() => void) | undefined;

  constructor(
    store: SqliteJobQueue,
    queue: string,
    handler: (job: Job<unknown>) => Promise<void>,
    opts: ResolvedWork,
    pollMs: number,
  ) {
    this.#store = store;
    this.queue = queue;
    this.#handler = handler;
    this.#opts = opts;
    this.#pollMs = pollMs;
    this.done = this.#loop();
  }

  /** Ends the current wait early: a job was enqueued here or a slot came free. */
  wake(): void {
    this.#woken = true;
    this.#resume?.();
  }

  close(): Promise<void> {
    this.#closing = true;
    this.wake();
    return this.done;
  }

  async #loop(): Promise<void> {
    while (!this.#closing) {
      let waitMs = this.#pollMs;
      const free = this.#opts.concurrency - this.#running.size;
      if (free > 0) {
        try {
          const rows = this.#store.claim(this.queue, free, this.#opts.leaseMs, this.#opts.maxStalls);
          for (const row of rows) this.#start(row);
          if (rows.length < free) {
            const due = this.#store.nextDue(this.queue);
            if (due !== undefined) waitMs = Math.max(5, Math.min(waitMs, due - Date.now() + 1));
          }
        } catch (err) {
          // Most likely another process held the lock past busy_timeout: try again on the next tick.
          this.#store.onError(
            new Error(`JobQueue sqlite: claiming from "${this.queue}" failed: ${errorMessage(err)}`, { cause: err }),
          );
        }
      }
      await this.#sleep(waitMs);
    }
    await Promise.all(this.#running);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#resume = undefined;
        this.#woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#resume = done;
    });
  }

  #start(row: ClaimedRow): void {
    const run = this.#run(row).finally(() => {
      this.#running.delete(run);
      this.wake();
    });
    this.#running.add(run);
  }

  async #run(row: ClaimedRow): Promise<void> {
    const { leaseMs } = this.#opts;
    const heartbeat = setInterval(() => {
      try {
        if (!this.#store.renew(this.queue, row.id, row.attempts, leaseMs)) clearInterval(heartbeat);
      } catch (err) {
        this.#store.onError(
          new Error(`JobQueue sqlite: renewing the lease of ${row.id} failed: ${errorMessage(err)}`, { cause: err }),
        );
      }
    }, leaseMs / 3);
    let outcome: { ok: true } | { ok: false; err: unknown };
    try {
      const data: unknown = JSON.parse(row.data);
      const attempt = row.attempts - row.stalls;
      await this.#handler({ id: row.id, queue: this.queue, name: row.name, data, attempt });
      outcome = { ok: true };
    } catch (err) {
      outcome = { ok: false, err };
    } finally {
      clearInterval(heartbeat);
    }
    try {
      this.#store.settle(this.queue, row, outcome);
    } catch (err) {
      // The lease will lapse and the job run again: at-least-once, never lost.
      this.#store.onError(
        new Error(`JobQueue sqlite: recording the outcome of ${row.id} failed: ${errorMessage(err)}`, { cause: err }),
      );
    }
  }
}
