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
 * `--quick` shrinks it for CI; `--cpu-prof <prefix>` profiles the server during the curve. Writes
 * bench/results/feed.json.
 *
 * Serving runs with the real models: a two-tower query tower and item vectors and the ONNX ranker, trained
 * on generated data by `bench/lib/trained-models.ts` (cached), with the ranker scoring `--rank-top-n`
 * (300) candidates per request; the videos the training set lacks carry clustered unit vectors of the
 * same dimension. The clients run in a separate process (`bench/lib/feed-load.ts`): a closed-loop curve,
 * then an open-loop run at the SLO point's rate (no coordinated omission) and one at twice the saturated
 * rate (goodput and shed 503s). The same server's static 3 KB JSON page, loaded the same way, is the
 * machine's ceiling. Server CPU-ms per request come from the server process's own CPU time.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../core/config/config.ts';
import { newId } from '../core/ids.ts';
import type { MetadataStore, SqlValue } from '../core/metadata/ports.ts';
import { dropTestSchema, testPostgresUrl } from '../core/testing/postgres.ts';
import { cleanupTestRedis, testRedisUrl } from '../core/testing/redis.ts';
import { openFeatureStore } from '../feature-store/open.ts';
import type { FeatureStoreEvent } from '../feature-store/ports.ts';
import { TRENDING_KEY } from '../feature-store/trending.ts';
import { EXPERIMENTS_DIR } from '../feed/for-you/config.ts';
import { buildApp } from '../platform/api/app.ts';
import { closeDeps, openDeps } from '../platform/api/open-deps.ts';
import { ServeLog } from '../platform/engagement/serve-log.ts';
import { feedRoutes } from '../platform/feed/feed.routes.ts';
import { createFeedRuntime } from '../platform/feed/feed-runtime.ts';
import { clusteredUnitVectors, mulberry32 } from '../retrieval/ann/synthetic-vectors.ts';
import { buildSnapshot, withQueryTower } from '../retrieval/index-holder.ts';
import type { LoadJob, LoadResult } from './lib/feed-load.ts';
import { bindModels, loadBoundModels, trainedModels } from './lib/trained-models.ts';
import { argFlag, argValue, median, printTable, quantile, rssSampler, writeResults } from './report.ts';

const quick = argFlag('--quick');
const VIDEOS = Number(argValue('--videos') ?? (quick ? 10_000 : 100_000));
const USERS = Number(argValue('--users') ?? (quick ? 1_000 : 10_000));
const DURATION_S = Number(argValue('--seconds') ?? (quick ? 2 : 10));
const LEVELS = (argValue('--levels') ?? '1,2,4,8,16').split(',').map(Number);
const SLO_MS = Number(argValue('--slo') ?? 25);
const DIMS = 64;
const sets = (argValue('--backends') ?? 'embedded,scaled').split(',');
const UPLOADS_PER_S = Number(argValue('--uploads-per-s') ?? 60);
const COUNTERS_PER_S = Number(argValue('--counters-per-s') ?? 500);
const RANK_TOP_N = Number(argValue('--rank-top-n') ?? 300);
/** The server's API_MAX_IN_FLIGHT: past it requests are shed with 503 (the overload run shows it). */
const MAX_IN_FLIGHT = Number(argValue('--max-in-flight') ?? 16);
const FRESHNESS_PROBES = 5;
/** Writes a CPU profile of the server during the closed-loop curve (the load runs in another process). */
const CPU_PROF = argValue('--cpu-prof');

/** Starts the V8 profiler in this process; the returned function stops it and writes `<file>-<set>.cpuprofile`. */
async function startCpuProfile(set: string): Promise<() => Promise<void>> {
  if (!CPU_PROF) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${CPU_PROF}-${set}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

/** A copy of the experiments directory whose value model ranks `RANK_TOP_N` candidates per request. */
function benchFeedConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-feedbench-config-'));
  cpSync(EXPERIMENTS_DIR, dir, { recursive: true });
  const file = join(dir, 'value-model.yaml');
  const text = readFileSync(file, 'utf8');
  if (!/rank_top_n: \d+/.test(text)) throw new Error('value-model.yaml has no rank_top_n');
  writeFileSync(file, text.replace(/rank_top_n: \d+/, `rank_top_n: ${RANK_TOP_N}`));
  return dir;
}

async function insertRows(db: MetadataStore, table: string, cols: string[], rows: SqlValue[][]): Promise<void> {
  const per = Math.floor(900 / cols.length);
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const values = chunk.map((_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(', ')})`);
      await tx.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values.join(', ')}`, chunk.flat());
    }
  });
}

/** Users, sessions, videos, follows, counters: returns bearer tokens and video ids. */
async function seed(db: MetadataStore, rand: () => number) {
  const now = Date.now();
  const users = Array.from({ length: USERS }, (_, i) => ({
    id: newId(now - i),
    token: randomBytes(24).toString('base64url'),
  }));
  await insertRows(
    db,
    'users',
    ['id', 'handle', 'display_name', 'password_hash', 'created_at'],
    users.map((u, i) => [u.id, `user${i}`, `User ${i}`, 'x', now]),
  );
  await insertRows(
    db,
    'sessions',
    ['token_hash', 'user_id', 'created_at', 'expires_at'],
    users.map((u) => [createHash('sha256').update(u.token).digest('hex'), u.id, now, now + 86_400_000]),
  );
  const tags = Array.from({ length: 200 }, (_, i) => `tag${i}`);
  const videos = Array.from({ length: VIDEOS }, (_, i) => ({
    id: newId(now - i * 1000),
    author: users[Math.floor(rand() ** 2 * USERS)]!.id,
    createdAt: now - Math.floor(rand() * 30 * 86_400_000),
    tags: [tags[Math.floor(rand() * tags.length)]!, tags[Math.floor(rand() * tags.length)]!],
  }));
  await insertRows(
    db,
    'videos',
    ['id', 'author_id', 'hashtags', 'status', 'duration_ms', 'version', 'poster_key', 'created_at', 'processed_at'],
    videos.map((v) => [
      v.id,
      v.author,
      JSON.stringify(v.tags),
      'ready',
      15_000,
      1,
      `videos/${v.id}/v1/thumbs/poster.jpg`,
      v.createdAt,
      now,
    ]),
  );
  const follows = new Set<string>();
  const followRows: SqlValue[][] = [];
  for (const u of users) {
    for (let k = 0; k < 20; k++) {
      const f = users[Math.floor(rand() ** 2 * USERS)]!.id;
      if (f === u.id || follows.has(`${u.id}|${f}`)) continue;
      follows.add(`${u.id}|${f}`);
      followRows.push([u.id, f, now]);
    }
  }
  await insertRows(db, 'follows', ['follower_id', 'followee_id', 'created_at'], followRows);
  await insertRows(
    db,
    'video_counters',
    ['video_id', 'views', 'likes', 'comments', 'shares', 'updated_at'],
    videos.map((v) => {
      const views = Math.floor(rand() ** 4 * 100_000);
      return [v.id, views, Math.floor(views * rand() * 0.1), Math.floor(views * 0.01), 0, now];
    }),
  );
  return { users, videos };
}

/** One load run: closed loop at a number of clients, or open loop at a fixed rate. */
interface LoadPoint {
  concurrency: number;
  /** Open loop: the offered rate (requests/s). */
  offered_rps?: number;
  /** Answered 200s per second (goodput). */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  requests: number;
  errors: number;
  shed: number;
  /** Server process CPU (user + system) per answered request, ms. */
  cpu_ms_per_request: number;
  load_avg_1m: number;
}

interface SetResult {
  backend: string;
  /** The headline: the highest-throughput closed-loop point whose p99 meets the SLO (else the lowest-p99 point). */
  slo_point: { rps: number; p50_ms: number; p99_ms: number; concurrency: number; meets_slo: boolean };
  saturated: LoadPoint;
  curve: LoadPoint[];
  /** Open loop at the SLO point's rate. */
  open_loop: LoadPoint;
  /** Open loop at twice the saturated rate: goodput and shed requests. */
  overload: LoadPoint;
  /** The same server's static JSON page, closed loop at the saturated concurrency. */
  ceiling: LoadPoint;
  cpu_ms_per_request: number;
  /** Candidates the ranker scored per request (median of the explain sample). */
  ranked_per_request: number;
  /** ms from a new ready video's commit until it is in the catalogue and the index (p50 / max). */
  upload_servable_ms: { p50: number; max: number };
  catalog_refresh_ms: number;
  seed_s: number;
  index_build_s: number;
  /** Peak RSS of the server process while serving (after seeding and index build). */
  peak_rss_mb: number;
  /** Peak RSS of the whole run (seeding included). */
  peak_rss_run_mb: number;
  stages_ms: Record<string, number>;
  /** Median ms of each candidate source (they run in parallel inside the `sources` stage). */
  sources_ms: Record<string, number>;
}

interface ModelsInfo {
  query_tower: 'trained';
  ranker: 'onnx';
  trained_users: number;
  trained_videos: number;
  dims: number;
  train_s: number;
  cached: boolean;
}
let modelsInfo: ModelsInfo | undefined;

async function runSet(set: string): Promise<SetResult> {
  const rand = mulberry32(11);
  const dir = mkdtempSync(join(tmpdir(), `foryou-feedbench-${set}-`));
  const scaled = set === 'scaled';
  const config = testConfig({
    DATA_DIR: dir,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    METADATA_URL: scaled ? testPostgresUrl('feed-bench') : `sqlite://${dir}/foryou.db`,
    OBJECTS_URL: `file://${dir}/objects`,
    EVENTS_URL: `sqlite://${dir}/events.db`,
    QUEUE_URL: `sqlite://${dir}/queue.db`,
    CACHE_URL: scaled ? testRedisUrl('feed-bench') : 'memory://',
    RATE_LIMIT_USER_PER_MIN: '100000000',
    RATE_LIMIT_IP_PER_MIN: '100000000',
    API_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
  });
  const deps = await openDeps(config);
  const featuresUrl = scaled ? testRedisUrl('feed-bench-fs') : 'sqlite://:memory:';
  const featureStore = await openFeatureStore(featuresUrl);
  const runRss = rssSampler();
  let t0 = performance.now();
  const { users, videos } = await seed(deps.metadata, rand);
  // Planner statistics for the bulk-loaded tables, as autovacuum gathers them on a live database (the
  // store keeps prepared statements, whose cached plans would otherwise assume empty tables).
  await deps.metadata.run('ANALYZE');
  // Some engagement: each user watched and liked a few videos; the trending set holds 1,000.
  const events: FeatureStoreEvent[] = [];
  for (const u of users) {
    for (let k = 0; k < 5; k++) {
      const v = videos[Math.floor(rand() * videos.length)]!;
      const video = { id: v.id, author: v.author, tags: v.tags, durationBucket: 2, uploadMs: v.createdAt };
      const at = Date.now() - Math.floor(rand() * 3_600_000);
      events.push({ id: newId(), type: 'play_start', user: `u:${u.id}`, video, timeMs: at });
      if (k < 2) events.push({ id: newId(), type: 'like', user: `u:${u.id}`, video, timeMs: at + 1 });
    }
  }
  for (let i = 0; i < events.length; i += 2000) await featureStore.applyEvents(events.slice(i, i + 2000));
  await deps.cache.zAdd(
    TRENDING_KEY,
    videos.slice(0, 1000).map((v, i) => ({ member: v.id, score: 1000 - i })),
  );
  const seedS = (performance.now() - t0) / 1000;

  // The real models: trained (or cached) on generated data, bound to this run's user and video ids.
  const trained = await trainedModels({
    users: Math.min(USERS, 2_000),
    videos: Math.min(VIDEOS, 5_000),
    dims: DIMS,
  });
  const bound = bindModels(
    trained,
    users.map((u) => u.id),
    videos.map((v) => v.id),
  );
  const { tower, ranker } = await loadBoundModels(bound, DIMS);
  modelsInfo = {
    query_tower: 'trained',
    ranker: 'onnx',
    trained_users: trained.users,
    trained_videos: trained.videos,
    dims: DIMS,
    train_s: trained.trainS,
    cached: trained.cached,
  };
  t0 = performance.now();
  const vectors = new Float32Array(VIDEOS * DIMS);
  vectors.set(trained.videoVectors);
  vectors.set(clusteredUnitVectors(VIDEOS - trained.videos, DIMS, 0, 5), trained.videoVectors.length);
  const snapshot = withQueryTower(
    buildSnapshot(
      'bench-trained',
      videos.map((v) => v.id),
      vectors,
      'usearch',
    ),
    tower,
  );
  const buildS = (performance.now() - t0) / 1000;
  const feedConfigDir = benchFeedConfigDir();
  const serveLog = new ServeLog(deps);
  const runtime = createFeedRuntime({
    ...deps,
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    featureStore,
    serveLog,
    catalogRefreshMs: 2_000,
    feedConfigDir,
  });
  runtime.index.swap(snapshot);
  runtime.ranker.swap(ranker);
  await runtime.start();
  const { app } = await buildApp(deps, { skipAreas: ['feed'] });
  await app.register(feedRoutes({ ...deps, featureStore, feedRuntime: runtime }), { prefix: '/api/v1' });
  // The machine's ceiling: a static 3 KB JSON page from the same server, through the same hooks.
  const staticPage = JSON.stringify({
    items: Array.from({ length: 10 }, (_, i) => ({ id: `video-${i}`, caption: 'x'.repeat(250), liked: false })),
  });
  app.get('/api/v1/static-page', async (_req, reply) => reply.type('application/json').send(staticPage));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  // Stage breakdown: in-process pages with explain (the trace) for a sample of users.
  const stages: Record<string, number[]> = {};
  const sourceMs: Record<string, number[]> = {};
  const ranked: number[] = [];
  for (let i = 0; i < 100; i++) {
    const u = users[i % users.length]!;
    const page = await runtime.service.page({
      requestId: newId(),
      feedType: 'for_you',
      actor: `u:${u.id}`,
      userId: u.id,
      limit: 10,
      explain: true,
    });
    for (const [k, ms] of Object.entries((page.explain?.stages_ms ?? {}) as Record<string, number>)) {
      stages[k] = [...(stages[k] ?? []), ms];
    }
    for (const [k, s] of Object.entries((page.explain?.sources ?? {}) as Record<string, { ms: number }>)) {
      sourceMs[k] = [...(sourceMs[k] ?? []), s.ms];
    }
    if (i === 0 && page.model_version !== 'ranker@bench') {
      throw new Error(`the feed served with ${page.model_version}, not the trained ranker`);
    }
    ranked.push(Number(page.explain?.ranked ?? 0));
  }

  // The clients run in another process: their HTTP work is billed neither to the server's loop nor its CPU.
  const tokens = users.map((u) => u.token);
  const run = async (opts: { concurrency: number; rate?: number; path?: string }): Promise<LoadPoint> => {
    const child = fork(new URL('./lib/feed-load.ts', import.meta.url), { serialization: 'advanced' });
    const job: LoadJob = {
      base,
      tokens,
      concurrency: opts.concurrency,
      ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
      ...(opts.path ? { path: opts.path } : {}),
      seconds: DURATION_S,
      churn: {
        metadataUrl: config.METADATA_URL,
        authors: users.slice(0, 2000).map((u) => u.id),
        videoIds: videos.slice(0, 20_000).map((v) => v.id),
        uploadsPerS: opts.path ? 0 : UPLOADS_PER_S,
        countersPerS: opts.path ? 0 : COUNTERS_PER_S,
      },
    };
    const cpu0 = process.cpuUsage();
    const result = await new Promise<LoadResult>((resolve, reject) => {
      child.once('message', (m) => resolve(m as LoadResult));
      child.once('error', reject);
      child.once('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
      child.send(job);
    });
    const cpu = process.cpuUsage(cpu0);
    const { latencies, errors, shed, elapsed } = result;
    return {
      concurrency: opts.concurrency,
      ...(opts.rate !== undefined ? { offered_rps: opts.rate } : {}),
      rps: latencies.length / elapsed,
      p50_ms: quantile(latencies, 0.5),
      p99_ms: quantile(latencies, 0.99),
      p999_ms: quantile(latencies, 0.999),
      requests: latencies.length,
      errors,
      shed,
      cpu_ms_per_request: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
      load_avg_1m: +loadavg()[0]!.toFixed(2),
    };
  };
  const show = (label: string, p: LoadPoint) =>
    process.stdout.write(
      `  ${set} ${label}: ${p.rps.toFixed(0)} req/s, p50 ${p.p50_ms.toFixed(1)} ms, p99 ${p.p99_ms.toFixed(1)} ms, ` +
        `${p.cpu_ms_per_request.toFixed(2)} cpu-ms/req, errors ${p.errors}, shed ${p.shed}, load ${p.load_avg_1m}\n`,
    );
  await run({ concurrency: 2 }); // warm-up: JIT, caches, connection pools
  const serveRss = rssSampler();
  const curve: LoadPoint[] = [];
  const stopProfile = await startCpuProfile(set);
  for (const level of LEVELS) {
    const point = await run({ concurrency: level });
    show(`c=${level}`, point);
    curve.push(point);
  }
  await stopProfile();
  const meeting = curve.filter((p) => p.p99_ms <= SLO_MS && p.errors === 0 && p.shed === 0);
  const headline =
    meeting.length > 0
      ? meeting.reduce((a, b) => (b.rps > a.rps ? b : a))
      : curve.reduce((a, b) => (b.p99_ms < a.p99_ms ? b : a));
  const saturated = curve.reduce((a, b) => (b.rps > a.rps ? b : a));
  const openLoop = await run({ concurrency: 256, rate: Math.max(1, Math.floor(headline.rps)) });
  show(`open loop at ${Math.floor(headline.rps)}/s`, openLoop);
  const overload = await run({ concurrency: 1024, rate: Math.max(2, Math.floor(2 * saturated.rps)) });
  show(`open loop at 2x saturation (${Math.floor(2 * saturated.rps)}/s)`, overload);
  const ceiling = await run({ concurrency: saturated.concurrency, path: '/api/v1/static-page' });
  show(`static page c=${saturated.concurrency}`, ceiling);
  const peakServeRss = serveRss.stop();

  // Upload freshness: a new ready video, committed, until the catalogue and the index both hold it.
  const servable: number[] = [];
  for (let i = 0; i < FRESHNESS_PROBES; i++) {
    const id = newId();
    const now = Date.now();
    await deps.metadata.run(
      `INSERT INTO videos (id, author_id, hashtags, status, duration_ms, version, created_at, processed_at)
       VALUES ($1, $2, $3, 'ready', 15000, 1, $4, $4)`,
      [id, users[i]!.id, JSON.stringify(['tag1']), now],
    );
    const s = performance.now();
    while (!(runtime.catalog.get(id) && runtime.index.current()?.keyOf.has(id)) && performance.now() - s < 60_000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    servable.push(performance.now() - s);
  }

  const catalogRefreshMs = runtime.catalog.lastRefresh.ms;
  await app.close();
  await runtime.close();
  await tower.close();
  await ranker.close();
  await serveLog.close().catch(() => {});
  await featureStore.close();
  if (scaled) {
    await cleanupTestRedis(config.CACHE_URL).catch(() => {});
    await cleanupTestRedis(featuresUrl).catch(() => {});
  }
  await closeDeps(deps).catch(() => {});
  if (scaled) await dropTestSchema(config.METADATA_URL).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  rmSync(bound.dir, { recursive: true, force: true });
  rmSync(feedConfigDir, { recursive: true, force: true });
  return {
    backend: scaled ? 'postgres+redis' : 'sqlite+memory',
    slo_point: {
      rps: headline.rps,
      p50_ms: headline.p50_ms,
      p99_ms: headline.p99_ms,
      concurrency: headline.concurrency,
      meets_slo: meeting.length > 0,
    },
    saturated,
    curve,
    open_loop: openLoop,
    overload,
    ceiling,
    cpu_ms_per_request: median(curve.map((p) => p.cpu_ms_per_request)),
    ranked_per_request: median(ranked),
    upload_servable_ms: { p50: median(servable), max: Math.max(...servable) },
    catalog_refresh_ms: catalogRefreshMs,
    seed_s: seedS,
    index_build_s: buildS,
    peak_rss_mb: peakServeRss,
    peak_rss_run_mb: runRss.stop(),
    stages_ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])),
    sources_ms: Object.fromEntries(Object.entries(sourceMs).map(([k, v]) => [k, median(v)])),
  };
}

await main();

async function main(): Promise<void> {
  const results: SetResult[] = [];
  const loadBefore = +loadavg()[0]!.toFixed(2);
  for (const set of sets) {
    process.stdout.write(`\n${set}: seeding ${VIDEOS.toLocaleString()} videos, ${USERS.toLocaleString()} users…\n`);
    results.push(await runSet(set));
  }
  const ceilingRps = Math.max(...results.map((r) => r.ceiling.rps));
  printTable(
    `For You, limit 10, trained query tower + ONNX ranker (${RANK_TOP_N} ranked): the highest throughput with p99 ≤ ${SLO_MS} ms`,
    results.map((r) => ({
      backend: r.backend,
      rps: r.slo_point.rps,
      p50_ms: r.slo_point.p50_ms,
      p99_ms: r.slo_point.p99_ms,
      clients: r.slo_point.concurrency,
      meets_slo: String(r.slo_point.meets_slo),
      saturated_rps: r.saturated.rps,
      saturated_p99_ms: r.saturated.p99_ms,
      of_ceiling: r.saturated.rps / ceilingRps,
      cpu_ms_req: r.cpu_ms_per_request,
      rss_mb: r.peak_rss_mb,
    })),
  );
  for (const r of results) {
    printTable(`${r.backend}: ${DURATION_S}s per level`, [
      ...r.curve,
      { ...r.open_loop },
      { ...r.overload },
      { ...r.ceiling },
    ]);
  }
  printTable(
    'Median ms per stage (in-process, explain trace)',
    results.map((r) => ({ backend: r.backend, ranked: r.ranked_per_request, ...r.stages_ms })),
  );
  printTable(
    'Median ms per candidate source (in parallel within `sources`)',
    results.map((r) => ({ backend: r.backend, ...r.sources_ms })),
  );
  writeResults('feed', {
    quick,
    videos: VIDEOS,
    users: USERS,
    levels: LEVELS,
    slo_p99_ms: SLO_MS,
    rank_top_n: RANK_TOP_N,
    max_in_flight: MAX_IN_FLIGHT,
    duration_s_per_level: DURATION_S,
    churn: { uploads_per_s: UPLOADS_PER_S, counters_per_s: COUNTERS_PER_S },
    load_avg_1m: { before: loadBefore, after: +loadavg()[0]!.toFixed(2) },
    models: modelsInfo,
    ceiling_rps: ceilingRps,
    // Not measured here: a like reaches the page through the engagement consumers, which this benchmark does not run.
    like_to_next_page_ms_p99: null,
    results: Object.fromEntries(results.map((r) => [r.backend, r])),
  });
}
