/**
 * Feed benchmark: For You latency (p50/p99) against requests/s on one node, through a real listening
 * server, on the embedded backends (SQLite + in-memory cache) and on PostgreSQL + Redis. Generates
 * 100k videos and 10k users (random unit embeddings in a usearch index, follows, counters, trending
 * set, engagement in the feature store), then runs closed-loop clients at each concurrency of
 * `--levels` (default 1,2,4,8,16). The headline per backend set is the highest throughput whose p99
 * is ≤ `--slo` ms (25); the saturated point (highest throughput at any latency) is reported beside it,
 * with the per-stage breakdown. While clients run, a writer beside them uploads `--uploads-per-s` (60,
 * about 5M a day) ready videos and bumps the counters of `--counters-per-s` (500) videos, as the rest
 * of a live platform does; `--uploads-per-s 0 --counters-per-s 0` measures a frozen catalogue.
 * Each client scrolls a session of `--pages-per-session` (4) pages, following `next_cursor`, then
 * starts another viewer's session; one closed-loop point at the saturated concurrency with single-page
 * sessions (`first_page_only`) prices a cold first page. After the load, likes through HTTP with the
 * features consumer running time a like until the viewer's next page is built with it.
 * `--quick` shrinks it for CI; `--cpu-prof <prefix>` profiles the server during the curve. Writes
 * bench/results/feed.json. Parts: `lib/feed-seed.ts` (data), `lib/feed-server.ts` (the server),
 * `lib/feed-points.ts` + `lib/feed-load.ts` (load), `lib/feed-probes.ts` (breakdown and freshness).
 *
 * Serving runs with the real models: a two-tower query tower and item vectors and the ONNX ranker, trained
 * on generated data by `bench/lib/trained-models.ts` (cached), with the ranker scoring `--rank-top-n`
 * (300) candidates per request; the videos the training set lacks carry clustered unit vectors of the
 * same dimension. The clients run in a separate process (`bench/lib/feed-load.ts`): a closed-loop curve,
 * then an open-loop run at the SLO point's rate (no coordinated omission) and one at twice the saturated
 * rate (goodput and shed 503s). The same server's static 3 KB JSON page, loaded the same way, is the
 * machine's ceiling. Server CPU-ms per request come from the server process's own CPU time; the load
 * generator's (clients and churn writer, on the same cores) are reported beside them.
 *
 * Backend sets (`--backends`, default all four): `embedded` and `scaled` serve in this process;
 * `embedded-cluster2` and `scaled-cluster2` run the API as a node cluster of two processes on one port,
 * as `API_PROCESSES=2` does (`lib/feed-cluster.ts`; the embedded cluster's cache is Redis, which a
 * cluster needs), under the same load points; their in-process probes (stages, likes, uploads) are not run.
 * `scaled-cluster1` / `embedded-cluster1` serve from one API process apart from the seeding one: the
 * single-process sets' RSS is the seeding process's (API, seed arrays, model binding), theirs the API's alone.
 * `api_process_peak_rss_mb` (top level) is the largest peak RSS of one API process in the sets that ran it
 * apart; `results.<backend>.peak_rss_mb` keeps its meaning (a cluster set's: the sum of its API processes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_NODE_FLAGS, PROCESS_ENV } from '../platform/api/process-env.ts';
import { featuresConsumer } from '../platform/engagement/consumers/features.consumer.ts';
import { startConsumer } from '../platform/engagement/consumers/runner.ts';
import { type ClusterSetResult, runClusterSet } from './lib/feed-cluster.ts';
import { measureCurve, summariseCurve } from './lib/feed-curve.ts';
import type { LoadTarget } from './lib/feed-points.ts';
import { likeToNextPage, stageBreakdown, uploadServable } from './lib/feed-probes.ts';
import { printFeedTables, type SetResult } from './lib/feed-report.ts';
import { benchFeedConfigDir, startCpuProfile, startFeedServer, startHeapProfile } from './lib/feed-server.ts';
import { prepareSet, setShape } from './lib/feed-setup.ts';
import { type ServingModelsInfo, servingModels } from './lib/trained-models.ts';
import { argFlag, argValue, memoryMb, rssSampler, writeResults } from './report.ts';

const quick = argFlag('--quick');
const VIDEOS = Number(argValue('--videos') ?? (quick ? 10_000 : 100_000));
const USERS = Number(argValue('--users') ?? (quick ? 1_000 : 10_000));
const DURATION_S = Number(argValue('--seconds') ?? (quick ? 2 : 10));
const LEVELS = (argValue('--levels') ?? '1,2,4,8,16').split(',').map(Number);
const SLO_MS = Number(argValue('--slo') ?? 25);
const DIMS = 64;
const sets = (argValue('--backends') ?? 'embedded,scaled,embedded-cluster2,scaled-cluster2').split(',');
const UPLOADS_PER_S = Number(argValue('--uploads-per-s') ?? 60);
const COUNTERS_PER_S = Number(argValue('--counters-per-s') ?? 500);
const RANK_TOP_N = Number(argValue('--rank-top-n') ?? 300);
/** Pages each client session scrolls before another viewer's session starts. */
const PAGES_PER_SESSION = Number(argValue('--pages-per-session') ?? 4);
/** The server's API_MAX_IN_FLIGHT: past it requests are shed with 503 (the overload run shows it). */
const MAX_IN_FLIGHT = Number(argValue('--max-in-flight') ?? 16);
const FRESHNESS_PROBES = 5;
const LIKE_PROBES = quick ? 10 : 30;
/** Set by the parent: run the one backend of `--backends` and write its result to this file. */
const SET_RESULT = argValue('--set-result');
/** Writes a CPU profile of the server during the closed-loop curve (the load runs in another process). */
const CPU_PROF = argValue('--cpu-prof');
/** Writes a sampling heap profile of the set's process (what the seeding and the server still hold after the load). */
const HEAP_PROF = argValue('--heap-prof');
/** Each closed-loop client on a keep-alive connection of its own instead of one shared pool (`lib/feed-load.ts`). */
const CONNECTION_PER_CLIENT = argFlag('--connection-per-client');
/** The cluster sets' API processes run with this V8 old-space limit (`--max-old-space-size`, MB). */
const API_HEAP_MB = argValue('--api-heap-mb') ? Number(argValue('--api-heap-mb')) : undefined;
/** The cluster sets' API processes run with this V8 semi-space limit (`--max-semi-space-size`, MB). */
const API_SEMI_SPACE_MB = argValue('--api-semi-space-mb') ? Number(argValue('--api-semi-space-mb')) : undefined;

let modelsInfo: ServingModelsInfo | undefined;

async function runSet(set: string): Promise<SetResult> {
  const runRss = rssSampler();
  const stopHeapProfile = await startHeapProfile(HEAP_PROF, set);
  const prepared = await prepareSet(set, { users: USERS, videos: VIDEOS, maxInFlight: MAX_IN_FLIGHT });
  const { deps, featureStore, users, videos, shape } = prepared;

  // The real models: trained (or cached) on generated data, bound to this run's user and video ids.
  const served = await servingModels(
    users.map((u) => u.id),
    videos.map((v) => v.id),
    DIMS,
  );
  const { snapshot, tower, ranker, bound, buildS } = served;
  modelsInfo = served.info;
  const feedConfigDir = benchFeedConfigDir(RANK_TOP_N);
  const server = await startFeedServer({ deps, featureStore, snapshot, ranker, feedConfigDir });
  const { runtime, base } = server;
  // The similar-items neighbour table is built by a background job after the swap; the load starts after it.
  const t0 = performance.now();
  await runtime.neighbours.refresh();
  const neighboursS = (performance.now() - t0) / 1000;

  const breakdown = await stageBreakdown(runtime, users, 'ranker@bench');

  const target: LoadTarget = {
    base,
    tokens: users.map((u) => u.token),
    seconds: DURATION_S,
    pagesPerSession: PAGES_PER_SESSION,
    connectionPerClient: CONNECTION_PER_CLIENT,
    churn: {
      metadataUrl: prepared.env.METADATA_URL!,
      authors: users.slice(0, 2000).map((u) => u.id),
      videoIds: videos.slice(0, 20_000).map((v) => v.id),
      uploadsPerS: UPLOADS_PER_S,
      countersPerS: COUNTERS_PER_S,
    },
  };
  const serveRss = rssSampler();
  const c = await measureCurve(set, target, {
    levels: LEVELS,
    sloMs: SLO_MS,
    aroundCurve: () => startCpuProfile(CPU_PROF, set),
  });
  const peakServeRss = serveRss.stop();
  await stopHeapProfile();
  const mem = memoryMb();

  const servable = await uploadServable(deps.metadata, runtime, users, FRESHNESS_PROBES);
  // Likes reach the feature store through the engagement log and the features consumer, as in production.
  const consumer = await startConsumer(
    deps,
    featuresConsumer({ metadata: deps.metadata, cache: deps.cache, featureStore }),
    { maxBatch: 100 },
  );
  const likes = await likeToNextPage({
    base,
    featureStore,
    viewers: users.slice(USERS - LIKE_PROBES),
    videos: videos.slice(VIDEOS - LIKE_PROBES),
  });
  process.stdout.write(
    `  ${set} like to next page: p50 ${likes.p50_ms.toFixed(0)} ms, p99 ${likes.p99_ms.toFixed(0)} ms, stale pages ${likes.stale_pages}\n`,
  );
  await consumer.stop();

  const catalogRefreshMs = runtime.catalog.lastRefresh.ms;
  await server.close();
  await tower.close();
  await ranker.close();
  await prepared.cleanup();
  rmSync(bound.dir, { recursive: true, force: true });
  rmSync(feedConfigDir, { recursive: true, force: true });
  return {
    backend: shape.backend,
    ...summariseCurve(c),
    ranked_per_request: breakdown.ranked,
    like_to_next_page: likes,
    upload_servable_ms: servable,
    catalog_refresh_ms: catalogRefreshMs,
    seed_s: prepared.seedS,
    index_build_s: buildS,
    neighbour_table_s: neighboursS,
    peak_rss_mb: peakServeRss,
    memory_mb: mem,
    peak_rss_run_mb: runRss.stop(),
    stages_ms: breakdown.stages,
    stages_p99_ms: breakdown.stagesP99,
    sources_ms: breakdown.sources,
  };
}

await main();

/**
 * Runs one backend set in a child process of its own, so its RSS is its own (not the heap the previous
 * set left behind) and it starts from the same clean process as the other.
 */
async function runSetInChild(set: string): Promise<SetResult | ClusterSetResult> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-feedbench-result-'));
  const file = join(dir, 'result.json');
  const args = process.argv.slice(2).filter((a, i, all) => a !== '--backends' && all[i - 1] !== '--backends');
  const child = spawn(
    process.execPath,
    [
      // The single-process sets serve in this child: it starts as the API process does.
      ...API_NODE_FLAGS,
      fileURLToPath(import.meta.url),
      ...args.filter((a) => !a.startsWith('--backends=')),
      '--backends',
      set,
      '--set-result',
      file,
    ],
    // The environment the platform's processes run with (the Dockerfile's and scripts/start.sh's).
    { stdio: 'inherit', env: { ...process.env, ...PROCESS_ENV } },
  );
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  try {
    if (code !== 0) throw new Error(`bench:feed ${set} exited with ${code}`);
    const { result, models } = JSON.parse(readFileSync(file, 'utf8')) as {
      result: SetResult | ClusterSetResult;
      models: ServingModelsInfo;
    };
    modelsInfo = models;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runClustered(set: string): Promise<ClusterSetResult> {
  const { result, models } = await runClusterSet(set, {
    users: USERS,
    videos: VIDEOS,
    maxInFlight: MAX_IN_FLIGHT,
    dims: DIMS,
    rankTopN: RANK_TOP_N,
    levels: LEVELS,
    sloMs: SLO_MS,
    ...(API_HEAP_MB ? { heapMb: API_HEAP_MB } : {}),
    ...(API_SEMI_SPACE_MB ? { semiSpaceMb: API_SEMI_SPACE_MB } : {}),
    target: {
      seconds: DURATION_S,
      pagesPerSession: PAGES_PER_SESSION,
      connectionPerClient: CONNECTION_PER_CLIENT,
      uploadsPerS: UPLOADS_PER_S,
      countersPerS: COUNTERS_PER_S,
    },
  });
  modelsInfo = models;
  return result;
}

/** The largest peak RSS of one API process in the sets that ran the API apart (null when none did). */
function apiProcessPeakRss(results: readonly (SetResult | ClusterSetResult)[]): number | null {
  const peaks = results.flatMap((r) => ('api_peak_rss_mb' in r ? r.api_peak_rss_mb : []));
  return peaks.length > 0 ? Math.max(...peaks) : null;
}

async function main(): Promise<void> {
  const results: (SetResult | ClusterSetResult)[] = [];
  const loadBefore = +loadavg()[0]!.toFixed(2);
  if (SET_RESULT) {
    const set = sets[0]!;
    const result = setShape(set).separate ? await runClustered(set) : await runSet(set);
    writeFileSync(SET_RESULT, JSON.stringify({ result, models: modelsInfo }));
    // A cluster's primary keeps handles of its own (the cluster's listening socket): leave when done.
    process.exit(0);
  }
  for (const set of sets) {
    process.stdout.write(`\n${set}: seeding ${VIDEOS.toLocaleString()} videos, ${USERS.toLocaleString()} users…\n`);
    results.push(await runSetInChild(set));
  }
  const ceilingRps = Math.max(...results.map((r) => r.ceiling.rps));
  const single = results.filter((r): r is SetResult => 'stages_ms' in r);
  printFeedTables({ results, single, ceilingRps, sloMs: SLO_MS, rankTopN: RANK_TOP_N, seconds: DURATION_S });
  writeResults('feed', {
    quick,
    videos: VIDEOS,
    users: USERS,
    levels: LEVELS,
    slo_p99_ms: SLO_MS,
    rank_top_n: RANK_TOP_N,
    max_in_flight: MAX_IN_FLIGHT,
    duration_s_per_level: DURATION_S,
    pages_per_session: PAGES_PER_SESSION,
    connection_per_client: CONNECTION_PER_CLIENT,
    churn: { uploads_per_s: UPLOADS_PER_S, counters_per_s: COUNTERS_PER_S },
    load_avg_1m: { before: loadBefore, after: +loadavg()[0]!.toFixed(2) },
    models: modelsInfo,
    ceiling_rps: ceilingRps,
    like_to_next_page_ms_p99: Math.max(...single.map((r) => r.like_to_next_page.p99_ms)),
    // One API process alone (no seeding data, no load generator): the largest peak RSS of any API
    // process of the cluster sets; `results.<backend>.peak_rss_mb` of a single-process set is the
    // process that seeded the data and served.
    api_process_peak_rss_mb: apiProcessPeakRss(results),
    results: Object.fromEntries(results.map((r) => [r.backend, r])),
  });
}
