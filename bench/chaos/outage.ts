/**
 * Dependency outages: a private instance of one dependency of the scaled backend (Redis, PostgreSQL, the
 * Kafka-protocol broker or the S3-compatible object store, `private-deps.ts`) is stopped mid-load and
 * started again after a while, the API and a worker running on it throughout. Measured: how the API
 * answered while it was down (503 with Retry-After is the documented answer; any other 5xx is
 * unexplained; feed pages still served count apart), how the feed answered its own readers meanwhile
 * (status, fallback pages, p99: a page or a fast refusal, never a wait), how long after the restart writes were
 * acknowledged again and errors ended, whether either process died, and whether any acknowledged write
 * was lost.
 */
import { newId } from '../../core/ids.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { checkLedger } from './checker.ts';
import { FeedProbe, type FeedWindow } from './feed-probe.ts';
import { acknowledged, MixedLoad, type OpMix, WRITE_MIX } from './load.ts';
import { type Dependency, startPrivate } from './private-deps.ts';
import { type Backend, spawnWorker, startApi, stopGracefully } from './processes.ts';

export interface OutageResult {
  dependency: Dependency;
  down_s: number;
  acknowledged: number;
  lost: number;
  /** Answers while it was down: 503 with Retry-After, other 5xx, 2xx, feed pages served, dead connections. */
  during: {
    status_503_retry_after: number;
    status_5xx_unexplained: number;
    ok: number;
    feed_pages_ok: number;
    connection_errors: number;
  };
  /**
   * The feed as its own viewers read it (apart from the mixed load), in the 10 s before the stop and
   * while the dependency was down: every request must be answered, 200 (a fallback page counts) or a
   * fast 503 with Retry-After, within `FEED_DURING_P99_MAX_MS` at the 99th percentile.
   */
  feed_before: FeedWindow;
  feed_during: FeedWindow;
  /** Whether feed_during met that (answered, no hung request, p99 within the bound). */
  feed_answered: boolean;
  /** Seconds from the restart until a write was acknowledged again (null: not within the run). */
  recovered_s: number | null;
  /** Seconds from the restart until the last 5xx or dead connection (0: none after the restart). */
  errors_ended_s: number;
  status_5xx_unexplained: number;
  /** Whether the API or the worker process exited during the drill (it must ride the outage out). */
  exited: { api: boolean; worker: boolean };
  /** The first server error lines logged (what the unexplained 5xx were). */
  server_errors: string[];
}

/** The bound on the feed's p99 while a dependency is down: a page or a refusal, never a wait on it. */
export const FEED_DURING_P99_MAX_MS = 1_000;

/** Viewers of the drill's feed probe, each reading pages one after another. */
const FEED_PROBE_VIEWERS = 2;

/** The kill loop's writes with feed reads beside them, so the drill sees how feeds degrade. */
const OUTAGE_MIX: OpMix = [...WRITE_MIX, ['feed', 30]];

/** A logged error line's type and message (no stack: it names files on the machine). */
function errorOf(line: string): string {
  try {
    const err = (JSON.parse(line) as { err?: { type?: string; message?: string } }).err;
    return `${err?.type ?? 'Error'}: ${err?.message ?? ''}`.slice(0, 200);
  } catch {
    return 'unparsed log line';
  }
}

export async function dependencyOutage(
  base: Backend,
  dependency: Dependency,
  o: { clip: Buffer; rand: () => number; beforeMs: number; downMs: number; afterMs: number; log: (l: string) => void },
): Promise<OutageResult> {
  const dep = await startPrivate(dependency);
  const backend: Backend = { ...base, name: `${base.name} (private ${dependency})`, env: { ...base.env, ...dep.env } };
  try {
    const api = await startApi(backend);
    const worker = spawnWorker(backend);
    await worker.ready;
    let apiExited = false;
    let workerExited = false;
    void api.exited.then(() => (apiExited = true));
    void worker.exited.then(() => (workerExited = true));
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
    let feedOk = 0;
    let lastFailureAt = 0;
    const load = new MixedLoad({ base: api.base }, videos, o.clip, o.rand, {
      mix: OUTAGE_MIX,
      minUploadGapMs: 2_000,
      onDone: (op, _ms, status) => {
        if (op === 'feed' && status === 200) feedOk++;
        if (status === 0 || status >= 500) lastFailureAt = Date.now();
      },
    });
    const probe = new FeedProbe(api.base);
    await probe.start(FEED_PROBE_VIEWERS);
    const loadAt = Date.now();
    await load.start(6);
    await new Promise((r) => setTimeout(r, o.beforeMs));
    const snapshot = () => ({
      s503: load.statuses.get(503) ?? 0,
      unexplained: load.unexplained5xx,
      ok: [...load.statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0),
      feed: feedOk,
      dead: load.connectionErrors,
    });
    o.log(`  ${dependency}: stopping`);
    await dep.stop();
    const stoppedAt = Date.now();
    const atStop = snapshot();
    await new Promise((r) => setTimeout(r, o.downMs));
    const atRestart = snapshot();
    const startingAt = Date.now();
    await dep.start();
    const restartedAt = Date.now();
    o.log(`  ${dependency}: started again`);
    let recovered: number | null = null;
    const until = Date.now() + o.afterMs;
    while (Date.now() < until) {
      if (recovered === null && load.lastAckAt > restartedAt) recovered = (load.lastAckAt - restartedAt) / 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
    await load.stop();
    await probe.stop();
    const feedDuring = probe.window(stoppedAt, startingAt);
    // Errors (50) and fatal lines (60), and a crash's first line (an uncaught error's name and message).
    const failures = [api.output(), worker.output()]
      .flatMap((out) => out.split('\n'))
      .filter((l) => /"level":[56]0/.test(l) || /^\w*(Error|Exception|error)\b/.test(l))
      .slice(0, 5)
      .map((l) => (l.startsWith('{') ? errorOf(l) : l.slice(0, 200)));
    const exited = { api: apiExited, worker: workerExited };
    await stopGracefully(api);
    await stopGracefully(worker);
    const check = await checkLedger(backend.env, load.ledger);
    return {
      dependency,
      down_s: o.downMs / 1000,
      acknowledged: acknowledged(load.ledger),
      lost: check.lost,
      during: {
        status_503_retry_after: atRestart.s503 - atStop.s503,
        status_5xx_unexplained: atRestart.unexplained - atStop.unexplained,
        ok: atRestart.ok - atStop.ok,
        feed_pages_ok: atRestart.feed - atStop.feed,
        connection_errors: atRestart.dead - atStop.dead,
      },
      feed_before: probe.window(Math.max(loadAt, stoppedAt - 10_000), stoppedAt),
      feed_during: feedDuring,
      feed_answered:
        feedDuring.requests > 0 &&
        feedDuring.hung === 0 &&
        feedDuring.other_status === 0 &&
        feedDuring.p99_ms <= FEED_DURING_P99_MAX_MS,
      recovered_s: recovered,
      errors_ended_s: lastFailureAt > restartedAt ? (lastFailureAt - restartedAt) / 1000 : 0,
      status_5xx_unexplained: load.unexplained5xx,
      exited,
      server_errors: failures,
    };
  } finally {
    await dep.close();
  }
}
