/**
 * Dependency outages: a private Redis (append-only, fsync on every write, as a durable queue and session
 * store needs) is stopped mid-load and started again after a while. Measured: how the API answered
 * during the outage (503 with Retry-After is the documented answer; any other 5xx is unexplained), how
 * long after the restart writes were acknowledged again, and whether any acknowledged write was lost.
 * @remarks PostgreSQL, the broker and the object store are not stopped here: the machine's PostgreSQL is
 * shared, and a private PostgreSQL cannot be started as root.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../core/ids.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { checkLedger } from './checker.ts';
import { acknowledged, MixedLoad, type Target } from './load.ts';
import { type Backend, spawnWorker, startApi, stopGracefully } from './processes.ts';

export interface OutageResult {
  dependency: string;
  down_s: number;
  acknowledged: number;
  lost: number;
  /** Answers while it was down: 503 with Retry-After, other 5xx, connection errors. */
  during: { status_503_retry_after: number; status_5xx_unexplained: number; ok: number };
  /** Seconds from the restart until a write was acknowledged again (null: not within the run). */
  recovered_s: number | null;
  status_5xx_unexplained: number;
  /** The first server error lines logged (what the unexplained 5xx were). */
  server_errors: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
  });
}

/** A logged error line's type and message (no stack: it names files on the machine). */
function errorOf(line: string): string {
  try {
    const err = (JSON.parse(line) as { err?: { type?: string; message?: string } }).err;
    return `${err?.type ?? 'Error'}: ${err?.message ?? ''}`.slice(0, 200);
  } catch {
    return 'unparsed log line';
  }
}

export async function redisOutage(
  base: Backend,
  o: { clip: Buffer; rand: () => number; beforeMs: number; downMs: number; afterMs: number; log: (l: string) => void },
): Promise<OutageResult> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-chaos-redis-'));
  const port = await freePort();
  let redis = await startRedis(port, dir);
  const url = `redis://127.0.0.1:${port}/0`;
  const backend: Backend = {
    ...base,
    name: `${base.name} (private redis)`,
    env: { ...base.env, CACHE_URL: url, FEATURES_URL: url, QUEUE_URL: `${url}?prefix=chaos` },
  };
  try {
    const api = await startApi(backend);
    // (its error lines are read at the end)
    const worker = spawnWorker(backend);
    await worker.ready;
    const target: Target = { base: api.base };
    const reg = await fetch(`${api.base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: `outage_${newId().slice(0, 8)}`, password: 'outage password' }),
    });
    const author = ((await reg.json()) as { user: { id: string } }).user.id;
    const store = await openMetadataStore(backend.env.METADATA_URL!);
    const videos = Array.from({ length: 4 }, () => newId());
    for (const id of videos) {
      await store.run(
        `INSERT INTO videos (id, author_id, privacy, status, duration_ms, hashtags, created_at) VALUES ($1, $2, 'public', 'ready', 15000, '[]', $3)`,
        [id, author, Date.now()],
      );
    }
    await store.close();
    const load = new MixedLoad(target, videos, o.clip, o.rand);
    await load.start(6);
    await new Promise((r) => setTimeout(r, o.beforeMs));
    const snapshot = () => ({
      s503: load.statuses.get(503) ?? 0,
      unexplained: load.unexplained5xx,
      ok: [...load.statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0),
    });
    o.log('  redis: stopping');
    redis.kill('SIGTERM');
    await new Promise((r) => redis.once('exit', r));
    const atStop = snapshot();
    await new Promise((r) => setTimeout(r, o.downMs));
    const atRestart = snapshot();
    redis = await startRedis(port, dir);
    const restartedAt = Date.now();
    o.log('  redis: started again');
    let recovered: number | null = null;
    const until = Date.now() + o.afterMs;
    while (Date.now() < until) {
      if (recovered === null && load.lastAckAt > restartedAt) recovered = (load.lastAckAt - restartedAt) / 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
    await load.stop();
    const failures = api
      .output()
      .split('\n')
      .filter((l) => l.includes('"level":50'))
      .slice(0, 5)
      .map(errorOf);
    await stopGracefully(api);
    await stopGracefully(worker);
    const check = await checkLedger(backend.env, load.ledger);
    return {
      dependency: 'redis',
      down_s: o.downMs / 1000,
      acknowledged: acknowledged(load.ledger),
      lost: check.lost,
      during: {
        status_503_retry_after: atRestart.s503 - atStop.s503,
        status_5xx_unexplained: atRestart.unexplained - atStop.unexplained,
        ok: atRestart.ok - atStop.ok,
      },
      recovered_s: recovered,
      status_5xx_unexplained: load.unexplained5xx,
      server_errors: failures,
    };
  } finally {
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
