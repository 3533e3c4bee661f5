import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait-for.ts';
import { openJobQueue } from './open.ts';
import { describeJobQueueContract } from './queue.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-queue-'));
// A short poll so jobs enqueued through another handle or process are seen quickly.
const url = `sqlite://${join(dir, 'queue.db')}?pollMs=50`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeJobQueueContract('sqlite', () => openJobQueue(url), { url });

describe('sqlite queue URL', () => {
  it('is the sqlite backend', async () => {
    const q = await openJobQueue(url);
    expect(q.kind).toBe('sqlite');
    await q.close();
  });

  it('leaves the file in WAL mode, so other processes can read while a worker claims', async () => {
    const q = await openJobQueue(url);
    await q.ping();
    const db = new DatabaseSync(join(dir, 'queue.db'), { readOnly: true });
    expect({ ...db.prepare('PRAGMA journal_mode').get() }).toEqual({ journal_mode: 'wal' });
    db.close();
    await q.close();
  });

  it('tells onError when a claim cannot get the lock in time, and claims once the lock is free', async () => {
    const path = join(dir, 'locked.db');
    const errors: Error[] = [];
    const q = await openJobQueue(`sqlite://${path}?pollMs=20&busyTimeoutMs=20`, { onError: (e) => errors.push(e) });
    const id = await q.enqueue('locked', 'job', {});
    const other = new DatabaseSync(path);
    other.exec('BEGIN EXCLUSIVE');
    let ran = false;
    q.work('locked', async () => {
      ran = true;
    });
    await waitFor('a claim failing on the locked database', () => errors.length > 0, 5_000);
    expect(errors[0]?.message).toMatch(/claiming from "locked" failed/);
    expect(ran).toBe(false);
    other.exec('ROLLBACK');
    other.close();
    await waitFor(
      'the job to complete once the lock is gone',
      async () => (await q.getJob('locked', id))?.status === 'completed',
      5_000,
    );
    expect(ran).toBe(true);
    await q.close();
  });

  it('opens a file made before stalls were counted and runs its jobs', async () => {
    const path = join(dir, 'old.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE jobs (
      queue TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('waiting', 'delayed', 'active', 'completed', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, backoff_ms INTEGER NOT NULL,
      run_at INTEGER NOT NULL, lease_until INTEGER, failed_reason TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (queue, id))`);
    // A job an old worker held when it died, its lease lapsed, one attempt counted.
    old
      .prepare(
        `INSERT INTO jobs (queue, id, name, data, status, attempts, max_attempts, backoff_ms, run_at, lease_until, created_at, updated_at)
         VALUES ('old', 'held', 'job', '{"n":1}', 'active', 1, 3, 10, 0, 0, 0, 0)`,
      )
      .run();
    old.close();
    const q = await openJobQueue(`sqlite://${path}?pollMs=20`);
    const runs: number[] = [];
    q.work('old', async (job) => void runs.push(job.attempt), { leaseMs: 100 });
    await waitFor('the held job to complete', async () => (await q.getJob('old', 'held'))?.status === 'completed');
    expect(await q.getJob('old', 'held')).toEqual({ id: 'held', status: 'completed', attempts: 1, stalls: 1 });
    expect(runs).toEqual([1]);
    await q.close();
  });

  it('rejects unknown options and bad numbers', async () => {
    await expect(openJobQueue(`sqlite://${join(dir, 'x.db')}?poll=5`)).rejects.toThrow(/unknown option "poll"/);
    await expect(openJobQueue(`sqlite://${join(dir, 'x.db')}?pollMs=0`)).rejects.toThrow(/pollMs/);
    await expect(openJobQueue('ftp://x')).rejects.toThrow(/unsupported scheme/);
  });
});
