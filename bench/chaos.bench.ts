/**
 * Reliability campaign: random kill -9 of the API and the worker under mixed write load on the embedded
 * backend (SQLite + local files) and the scaled one (PostgreSQL + Redis + Kafka-protocol broker + S3),
 * with an independent checker of every acknowledged write; schema-driven fuzzing of every route of the
 * OpenAPI document; the authorization matrix over object routes and viewers; and outages of each
 * dependency of the scaled backend.
 * `--quick` is the CI size (and writes bench/results/reliability-quick.json); the full run writes
 * bench/results/reliability.json. `--only kill|fuzz|bola|outage` runs one part and keeps the others'
 * figures in the file (`--deps redis,postgres,kafka,s3`: the outages of some dependencies, the others'
 * kept); `--soak` runs the soak alone (`--soak-min N`, 30 by default, 1 with --quick; `--soak-load 0.5`,
 * the share of saturation held; `--soak-settle-min M`, minutes at that rate before the measured ones, 10
 * by default, 0 with --quick; `--soak-heap-at 3,12 --soak-heap-dir DIR`, heap snapshots of the API at
 * those minutes), kept out of the default run for its length; `--kills N`, `--fuzz N`, `--fuzz-max-s S`
 * and `--settle-s S` (the bound on acknowledged uploads becoming ready after the last kill) change the
 * sizes; `--backend embedded|scaled` runs the kill loop on one backend. Exits 1 when a goal is missed (a
 * lost write, an acknowledged upload not ready within the bound, a 5xx or crash in fuzzing, a leak, an
 * outage's unexplained 5xx, lost write, dead process, no recovery or feed request left waiting on the
 * dependency (hung, or a p99 over 1 s while it was down), the soak's errors or RSS growth).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../core/random.ts';
import { bolaMatrix } from './chaos/bola.ts';
import { makeClip } from './chaos/clip.ts';
import { fuzzRoutes } from './chaos/fuzz.ts';
import { type KillLoopResult, killLoop } from './chaos/kill-loop.ts';
import { dependencyOutage, type OutageResult } from './chaos/outage.ts';
import { DEPENDENCIES, type Dependency } from './chaos/private-deps.ts';
import { type Backend, embeddedBackend, scaledBackend } from './chaos/processes.ts';
import { soak } from './chaos/soak.ts';
import { RESULTS_DIR } from './lib/results.ts';
import { argFlag, argValue, printTable, writeResults } from './report.ts';

const quick = argFlag('--quick');
/** The soak is a mode of its own (30 minutes at full size): `--soak` runs it and nothing else. */
const only = argFlag('--soak') ? 'soak' : argValue('--only');
const SOAK_MIN = Number(argValue('--soak-min') ?? (quick ? 1 : 30));
/** The soak's rate as a share of saturation (`--soak-load`, 0.5 by default). */
const SOAK_LOAD = Number(argValue('--soak-load') ?? 0.5);
/** Minutes at the held rate before the measured ones (`--soak-settle-min`, 10 by default, 0 with --quick). */
const SOAK_SETTLE_MIN = Number(argValue('--soak-settle-min') ?? (quick ? 0 : 10));
/** `--soak-heap-at 3,12 --soak-heap-dir DIR`: heap snapshots of the API at those minutes of the soak. */
const SOAK_HEAP_AT = (argValue('--soak-heap-at') ?? '').split(',').filter(Boolean).map(Number);
const SOAK_HEAP_DIR = argValue('--soak-heap-dir');
const seed = Number(argValue('--seed') ?? 16);
const KILLS = Number(argValue('--kills') ?? (quick ? 4 : 100));
const FUZZ_REQUESTS = Number(argValue('--fuzz') ?? (quick ? 1_500 : 100_000));
/** A wall-clock cap on the fuzzing, s (the request count it reached is what the results report). */
const FUZZ_MAX_S = argValue('--fuzz-max-s') === undefined ? undefined : Number(argValue('--fuzz-max-s'));
/**
 * How long after the last kill every acknowledged upload must be ready, s: a killed worker's job comes
 * back once its lease lapses (30 s for transcodes), then waits behind the uploads queued meanwhile.
 */
const SETTLE_S = Number(argValue('--settle-s') ?? (quick ? 60 : 180));
const BACKENDS = argValue('--backend');
/**
 * `--deps redis,postgres`: the dependencies the outage part stops; all four at full size, Redis alone
 * with --quick (each drill starts its own API and worker: ~30 s apiece, past CI's budget for all four).
 */
const OUTAGE_DEPS = (argValue('--deps')?.split(',') ?? (quick ? ['redis'] : DEPENDENCIES)).map((d) => {
  if (!(DEPENDENCIES as readonly string[]).includes(d)) throw new Error(`--deps: unknown dependency ${d}`);
  return d as Dependency;
});
const log = (line: string) => process.stdout.write(`${line}\n`);

async function withBackend<T>(open: () => Backend | Promise<Backend>, run: (b: Backend) => Promise<T>): Promise<T> {
  const b = await open();
  try {
    return await run(b);
  } finally {
    await b.cleanup();
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const rand = seededRandom(seed);
  const out: Record<string, unknown> = { quick, seed };
  let failed = false;

  if (!only || only === 'kill') {
    const clip = makeClip();
    const kill: Record<string, KillLoopResult> = {};
    const backends = { embedded: embeddedBackend, scaled: scaledBackend };
    for (const [key, open] of Object.entries(backends)) {
      if (BACKENDS && BACKENDS !== key) continue;
      const r = await withBackend(open, (b) => {
        log(`kill loop on ${b.name}: ${KILLS} kills`);
        return killLoop(b, {
          kills: KILLS,
          betweenMs: quick ? [300, 900] : [300, 1500],
          minUploadGapMs: 2_000,
          clients: 6,
          clip,
          rand,
          settleMs: SETTLE_S * 1000,
          countersWaitMs: quick ? 5_000 : 60_000,
          log,
        });
      });
      kill[key] = r;
      if (r.lost > 0 || r.uploads_ready < r.uploads_acknowledged) failed = true;
    }
    printTable(
      'kill loop (kill -9 of the API and the worker under mixed load; lost = acknowledged writes missing after recovery)',
      Object.entries(kill).map(([k, r]) => ({
        backend: `${k} (${r.backend})`,
        kills: r.kills,
        api: r.kills_api,
        worker: r.kills_worker,
        acknowledged: r.acknowledged,
        lost: r.lost,
        uploads: `${r.uploads_ready}/${r.uploads_acknowledged} ready, ${r.uploads_stuck} stuck, ${r.uploads_failed} failed`,
        settled_s: r.uploads_settled_s ?? `>${r.settle_bound_s}`,
        counters_s: r.counters_reconciled_s ?? (quick ? '>5' : '>60'),
        '5xx': r.status_5xx,
        s: r.duration_s,
      })),
    );
    out.kill_loop = kill;
  }

  if (!only || only === 'fuzz') {
    const r = await withBackend(embeddedBackend, (b) =>
      fuzzRoutes(b, { requests: FUZZ_REQUESTS, rand, log, ...(FUZZ_MAX_S ? { maxS: FUZZ_MAX_S } : {}) }),
    );
    printTable('fuzz (schema-driven from the OpenAPI document)', [
      {
        requests: r.requests,
        routes: r.routes,
        status_5xx: r.status_5xx,
        crashes: r.crashes,
        no_code_4xx: r.missing_code,
        leaks: r.leaky_bodies,
        'req/s': Math.round(r.requests / r.duration_s),
      },
    ]);
    out.fuzz = r;
    if (r.status_5xx > 0 || r.crashes > 0 || r.missing_code > 0 || r.leaky_bodies > 0) failed = true;
  }

  if (!only || only === 'bola') {
    const r = await withBackend(embeddedBackend, (b) => bolaMatrix(b, { clip: makeClip(), log }));
    printTable('authorization matrix (object routes x viewers)', [
      { cases: r.cases, leaks: r.leaks, false_denials: r.false_denials, s: r.duration_s },
    ]);
    out.bola = r;
    if (r.leaks > 0) failed = true;
  }

  if (!only || only === 'outage') {
    const outage: Record<string, OutageResult> = {};
    for (const dep of OUTAGE_DEPS) {
      const r = await withBackend(scaledBackend, (b) => {
        log(`outage of ${dep} on ${b.name}`);
        return dependencyOutage(b, dep, {
          clip: makeClip(),
          rand,
          beforeMs: quick ? 2_000 : 10_000,
          downMs: quick ? 3_000 : 10_000,
          afterMs: quick ? 5_000 : 30_000,
          log,
        });
      });
      outage[dep] = r;
      if (
        r.lost > 0 ||
        r.status_5xx_unexplained > 0 ||
        r.recovered_s === null ||
        r.exited.api ||
        r.exited.worker ||
        !r.feed_answered
      )
        failed = true;
    }
    printTable(
      'dependency outages (a private instance stopped and started again under load)',
      Object.values(outage).map((r) => ({
        dependency: r.dependency,
        down_s: r.down_s,
        acknowledged: r.acknowledged,
        lost: r.lost,
        '503+retry-after': r.during.status_503_retry_after,
        '5xx unexplained': r.status_5xx_unexplained,
        ok_while_down: r.during.ok,
        feeds_while_down: r.during.feed_pages_ok,
        'probe feed while down': `${r.feed_during.ok}/${r.feed_during.requests} 200 (${r.feed_during.fallback_reasons.cache_unavailable ?? 0} cache_unavailable), ${r.feed_during.status_503_retry_after} 503, ${r.feed_during.hung} hung`,
        'probe p99 ms (before -> down)': `${r.feed_before.p99_ms} -> ${r.feed_during.p99_ms}`,
        recovered_s: r.recovered_s ?? 'no',
        errors_ended_s: r.errors_ended_s,
        exited: r.exited.api || r.exited.worker ? `api ${r.exited.api}, worker ${r.exited.worker}` : 'none',
      })),
    );
    out.outage = outage;
  }

  if (only === 'soak') {
    const r = await withBackend(embeddedBackend, (b) =>
      soak(b, {
        minutes: SOAK_MIN,
        warmupS: quick ? 10 : 30,
        saturationS: quick ? 10 : 30,
        sessionTtlS: 300,
        retentionS: 120,
        loadShare: SOAK_LOAD,
        settleMin: SOAK_SETTLE_MIN,
        heapSnapshotAtMin: SOAK_HEAP_AT,
        ...(SOAK_HEAP_DIR ? { heapDir: SOAK_HEAP_DIR } : {}),
        rand,
        log,
      }),
    );
    printTable(
      'soak (embedded API at half its measured saturation; minute by minute)',
      r.by_minute.map(({ p99_ms_by_op, ...m }) => ({
        ...m,
        ...Object.fromEntries(Object.entries(p99_ms_by_op).map(([op, ms]) => [`p99 ${op}`, ms])),
      })),
    );
    printTable('soak summary', [
      {
        minutes: r.minutes,
        'saturation req/s': r.saturation_rps,
        'rate req/s': r.rate_rps,
        requests: r.requests,
        errors: r.errors,
        skipped: r.skipped,
        rss_growth: r.rss_growth,
        [`rss_growth incl. ${r.settle.minutes} min settle`]: r.settle.rss_growth_from_settle_start,
        p99_first: r.p99_ms_first,
        p99_last: r.p99_ms_last,
        disk_mb: `${r.disk_mb_first} -> ${r.disk_mb_last}`,
        'feed items/page': r.feed.items_per_page,
        'empty feeds': r.feed.empty_pages,
        'log rows': `${r.log_rows_end.served_items} served, ${r.log_rows_end.events} events`,
      },
    ]);
    out.soak = r;
    // A soak of empty feeds proves nothing about the feed's path.
    if (r.errors > 0 || r.rss_growth >= 0.1 || r.feed.pages === 0 || r.feed.empty_pages > r.feed.pages / 2)
      failed = true;
  }

  out.duration_s = Math.round((Date.now() - t0) / 1000);
  const name = quick ? 'reliability-quick' : 'reliability';
  // `--only` replaces its part of an earlier run's file and keeps the others.
  const earlier = join(RESULTS_DIR, `${name}.json`);
  const kept =
    only && existsSync(earlier) ? (JSON.parse(readFileSync(earlier, 'utf8')) as Record<string, unknown>) : {};
  for (const k of ['benchmark', 'environment', 'duration_s']) delete kept[k];
  // `--backend` replaces one backend of the kill loop and keeps the other's.
  if (BACKENDS && out.kill_loop && kept.kill_loop) out.kill_loop = { ...(kept.kill_loop as object), ...out.kill_loop };
  // `--deps` replaces those dependencies' outage figures and keeps the others'.
  if (argValue('--deps') && out.outage && kept.outage) out.outage = { ...(kept.outage as object), ...out.outage };
  writeResults(name, { ...kept, ...out });
  if (failed) {
    log('a reliability goal was missed (see above)');
    process.exitCode = 1;
  }
}

await main();
