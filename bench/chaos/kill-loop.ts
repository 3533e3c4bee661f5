/**
 * The kill loop: mixed write load against the API while the API process and the worker process are
 * killed with SIGKILL at random moments and restarted; then, after recovery, the independent checker
 * looks up every acknowledged write, and the like counters are compared with the like records.
 */

import { newId } from '../../core/ids.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import type { ServerProcess } from '../../platform/api/testing/server-process.ts';
import { checkLedger, unsettledUploads } from './checker.ts';
import { acknowledged, MixedLoad, type Target } from './load.ts';
import { type Backend, kill9, spawnWorker, startApi, stopGracefully, type WorkerProcess } from './processes.ts';

export interface KillLoopOptions {
  kills: number;
  /** Load between kills, ms (uniform in the range). */
  betweenMs: [number, number];
  clients: number;
  clip: Buffer;
  rand: () => number;
  /** How long to wait for the like counters to match the records after recovery. */
  countersWaitMs: number;
  /** How long acknowledged uploads may take to become ready after the last kill (the bound the run checks). */
  settleMs: number;
  /**
   * Uploads start at most this often: one worker process transcodes about one 1 s clip a second on the
   * shared cores, so an unpaced 5 % of the mix (2.2 uploads/s) piles up a backlog no bound can settle.
   */
  minUploadGapMs: number;
  log: (line: string) => void;
}

export interface KillLoopResult {
  backend: string;
  kills: number;
  kills_api: number;
  kills_worker: number;
  acknowledged: number;
  lost: number;
  lost_by_kind: Record<string, number>;
  connection_errors: number;
  status_5xx: number;
  /** Uploads the API acknowledged (202): each must end ready, the clip being a valid video. */
  uploads_acknowledged: number;
  uploads_ready: number;
  /** Still uploading or processing `settle_bound_s` after the last kill. */
  uploads_stuck: number;
  /** Failed, which a valid clip can only do because of the crashes; by failure code. */
  uploads_failed: number;
  uploads_failed_by_code: Record<string, number>;
  /** Seconds after the last kill until every acknowledged upload was ready or failed (null: not within the bound). */
  uploads_settled_s: number | null;
  settle_bound_s: number;
  /** Seconds after recovery until video_counters.likes matched the like records (null: not within the wait). */
  counters_reconciled_s: number | null;
  duration_s: number;
}

/** `n` ready public videos of `authorId`, written straight to the store (no transcoding). */
export async function fixtureVideos(env: Record<string, string>, authorId: string, n: number): Promise<string[]> {
  const store = await openMetadataStore(env.METADATA_URL!);
  try {
    const ids = Array.from({ length: n }, () => newId());
    for (const id of ids) {
      await store.run(
        `INSERT INTO videos (id, author_id, privacy, status, duration_ms, hashtags, created_at)
         VALUES ($1, $2, 'public', 'ready', 15000, '[]', $3)`,
        [id, authorId, Date.now()],
      );
    }
    return ids;
  } finally {
    await store.close();
  }
}

/** Seconds until the flushed like counters equal the like records of `videos`, or null after `limitMs`. */
async function countersReconciled(env: Record<string, string>, videos: readonly string[], limitMs: number) {
  const store = await openMetadataStore(env.METADATA_URL!);
  const t0 = Date.now();
  try {
    const marks = videos.map((_, i) => `$${i + 1}`).join(', ');
    while (Date.now() - t0 < limitMs) {
      const truth = await store.all<{ video_id: string; n: number }>(
        `SELECT video_id, COUNT(*) AS n FROM likes WHERE video_id IN (${marks}) GROUP BY video_id`,
        videos,
      );
      const counted = await store.all<{ video_id: string; likes: number }>(
        `SELECT video_id, likes FROM video_counters WHERE video_id IN (${marks})`,
        videos,
      );
      const c = new Map(counted.map((r) => [r.video_id, Number(r.likes)]));
      if (truth.every((r) => c.get(r.video_id) === Number(r.n))) return (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 500));
    }
    return null;
  } finally {
    await store.close();
  }
}

export async function killLoop(backend: Backend, o: KillLoopOptions): Promise<KillLoopResult> {
  const t0 = Date.now();
  const env = backend.env;
  let api: ServerProcess = await startApi(backend);
  let worker: WorkerProcess = spawnWorker(backend);
  await worker.ready;
  const target: Target = { base: api.base };
  const reg = await fetch(`${api.base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: `author_${newId().slice(0, 8)}`, password: 'chaos password' }),
  });
  const author = ((await reg.json()) as { user: { id: string } }).user.id;
  const videos = await fixtureVideos(env, author, 6);
  const load = new MixedLoad(target, videos, o.clip, o.rand, { minUploadGapMs: o.minUploadGapMs });
  await load.start(o.clients);
  let killsApi = 0;
  let killsWorker = 0;
  for (let k = 0; k < o.kills; k++) {
    const [lo, hi] = o.betweenMs;
    await new Promise((r) => setTimeout(r, lo + o.rand() * (hi - lo)));
    const r = o.rand();
    const victims = r < 0.5 ? ['api'] : r < 0.9 ? ['worker'] : ['api', 'worker'];
    if (victims.includes('api')) {
      target.base = undefined;
      await kill9(api);
      killsApi++;
    }
    if (victims.includes('worker')) {
      await kill9(worker);
      killsWorker++;
    }
    if (victims.includes('api')) {
      api = await startApi(backend);
      target.base = api.base;
    }
    // The worker restarts in the background (joining the consumer groups takes seconds); the next kill may hit it starting.
    if (victims.includes('worker')) worker = spawnWorker(backend);
    if ((k + 1) % 10 === 0 || k + 1 === o.kills) {
      o.log(`  ${backend.name}: ${k + 1}/${o.kills} kills, ${acknowledged(load.ledger)} writes acknowledged`);
    }
  }
  await load.stop();
  await worker.ready;
  // Recovery: both processes up; acknowledged uploads must settle (ready or failed), counters must match.
  const settleStart = Date.now();
  let settledS: number | null = null;
  for (;;) {
    if ((await unsettledUploads(env, load.ledger.uploads)) === 0) {
      settledS = (Date.now() - settleStart) / 1000;
      break;
    }
    if (Date.now() - settleStart >= o.settleMs) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const reconciled = await countersReconciled(env, videos, o.countersWaitMs);
  await stopGracefully(api);
  await stopGracefully(worker);
  const check = await checkLedger(env, load.ledger);
  const status5xx = [...load.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  return {
    backend: backend.name,
    kills: killsApi + killsWorker,
    kills_api: killsApi,
    kills_worker: killsWorker,
    acknowledged: acknowledged(load.ledger),
    lost: check.lost,
    lost_by_kind: check.lostByKind,
    connection_errors: load.connectionErrors,
    status_5xx: status5xx,
    uploads_acknowledged: load.ledger.uploads.length,
    uploads_ready: check.uploads.ready,
    uploads_stuck: check.uploads.unsettled,
    uploads_failed: check.uploads.failed,
    uploads_failed_by_code: check.uploads.failedByCode,
    uploads_settled_s: settledS,
    settle_bound_s: o.settleMs / 1000,
    counters_reconciled_s: reconciled,
    duration_s: Math.round((Date.now() - t0) / 1000),
  };
}
