/**
 * What the hop to a retrieval and a ranking service costs the feed: the same For You load against one
 * API with retrieval and ranking in process (RETRIEVAL_URL / RANKING_URL = in-process://) and against
 * one that reaches `platform/services/retrieval.main.ts` and `ranking.main.ts`, each a process of its
 * own, over HTTP on localhost. Both load the same trained two-tower index and ONNX ranker from the
 * registry (registered and promoted here, as `foryou-train` does), on the embedded backends.
 * Closed loop at `--levels` (1,4) for `--seconds` (8) each, after a warm-up, twice: every request a
 * cold first page (retrieval and ranking run for each), and sessions of 4 pages (pages 2-4 come from
 * the viewer's scored list, without either). The load generator runs in a process of its own
 * (`lib/feed-points.ts`). CPU per request is the API process's own and, for
 * the remote arm, the two services' beside it. `--quick` shrinks it. Writes bench/results/service-hop.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../core/config/config.ts';
import { embeddedUrls } from '../core/config/embedded-urls.ts';
import { buildApp } from '../platform/api/app.ts';
import { closeDeps, openDeps } from '../platform/api/open-deps.ts';
import { clusteredUnitVectors, mulberry32 } from '../retrieval/ann/synthetic-vectors.ts';
import { buildSnapshot, writeIndexArtifact } from '../retrieval/index-holder.ts';
import { ModelRegistry } from '../training/registry/registry.ts';
import { type LoadPoint, type LoadTarget, runLoad } from './lib/feed-points.ts';
import { seedEngagement, seedMetadata } from './lib/feed-seed.ts';
import { bindModels, trainedModels } from './lib/trained-models.ts';
import { argFlag, argValue, printTable, writeResults } from './report.ts';

const quick = argFlag('--quick');
const VIDEOS = Number(argValue('--videos') ?? (quick ? 5_000 : 20_000));
const USERS = Number(argValue('--users') ?? (quick ? 1_000 : 2_000));
const SECONDS = Number(argValue('--seconds') ?? (quick ? 3 : 8));
const LEVELS = (argValue('--levels') ?? '1,4').split(',').map(Number);
/** Ports of the two service processes (a free pair of the operator's choosing). */
const PORT = Number(argValue('--port') ?? 7611);
const DIMS = 64;

const serviceEntry = (name: string) => new URL(`../platform/services/${name}.main.ts`, import.meta.url).pathname;

/** user + system CPU seconds of a process so far, from /proc. */
function cpuS(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function startService(name: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [serviceEntry(name)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 120_000);
    child.stderr!.on('data', (d) => {
      out += d;
    });
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('FORYOU_SERVICE_LISTENING')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}):\n${out}`)));
  });
}

/** Registers the bound exported models and the index over every video, and promotes both. */
async function registerModels(
  registry: ModelRegistry,
  bound: { twoTowerDir: string; rankerDir: string },
  videoIds: readonly string[],
  vectors: Float32Array,
): Promise<void> {
  for (const [name, dir] of [
    ['two_tower', bound.twoTowerDir],
    ['ranker', bound.rankerDir],
  ] as const) {
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
    const meta = JSON.parse(files['metadata.json']!.toString()) as Record<string, unknown>;
    const rec = await registry.register({
      metadata: { ...meta, name, version: 'hop-1' } as Parameters<ModelRegistry['register']>[0]['metadata'],
      files,
    });
    if (name === 'two_tower') {
      const snap = buildSnapshot(`${name}@hop-1`, videoIds, vectors, 'usearch');
      await writeIndexArtifact(registry.objects, rec.artifactPrefix, snap);
    }
    await registry.promote(name, 'hop-1', { force: true });
  }
}

/** The two load shapes: every request a cold first page, or sessions of 4 pages. */
const SHAPES = [
  ['first_page', 1],
  ['sessions', 4],
] as const;

interface ArmResult {
  /** By shape, one point per level. */
  points: Record<string, LoadPoint[]>;
  /** CPU ms per answered request of the service processes (remote arm only), by shape and level. */
  services_cpu_ms_per_request?: Record<string, number[]>;
  index_version: string;
  model_version: string;
}

async function main(): Promise<void> {
  const rand = mulberry32(7);
  const dir = mkdtempSync(join(tmpdir(), 'foryou-hop-'));
  const env: Record<string, string> = {
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    ...embeddedUrls(dir),
    RATE_LIMIT_USER_PER_MIN: '100000000',
    RATE_LIMIT_IP_PER_MIN: '100000000',
    API_MAX_IN_FLIGHT: '0',
    LOG_LEVEL: 'warn',
  };
  const seedDeps = await openDeps(testConfig(env));
  const { users, videos } = await seedMetadata(seedDeps.metadata, rand, { users: USERS, videos: VIDEOS });
  await seedEngagement(seedDeps.featureStore, seedDeps.cache, rand, users, videos);
  const trained = await trainedModels({ users: Math.min(USERS, 1_000), videos: Math.min(VIDEOS, 2_000), dims: DIMS });
  const bound = bindModels(
    trained,
    users.map((u) => u.id),
    videos.map((v) => v.id),
  );
  const vectors = new Float32Array(VIDEOS * DIMS);
  vectors.set(trained.videoVectors);
  vectors.set(clusteredUnitVectors(VIDEOS - trained.videos, DIMS, 0, 5), trained.videoVectors.length);
  await registerModels(
    new ModelRegistry(seedDeps.metadata, seedDeps.objects),
    bound,
    videos.map((v) => v.id),
    vectors,
  );
  // The feature store is a SQLite file both arms' API open after the seed is written.
  await closeDeps(seedDeps);

  const target = (base: string): LoadTarget => ({
    base,
    tokens: users.map((u) => u.token),
    seconds: SECONDS,
    pagesPerSession: 4,
    churn: { metadataUrl: env.METADATA_URL!, authors: [], videoIds: [], uploadsPerS: 0, countersPerS: 0 },
  });

  async function arm(urls: { RETRIEVAL_URL: string; RANKING_URL: string }, services: ChildProcess[]) {
    const deps = await openDeps(testConfig({ ...env, ...urls }));
    const { app } = await buildApp(deps);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const token = users[0]!.token;
      // Ready once a page comes from the trained index and the ranker.
      let page: { index_version?: string; model_version?: string } = {};
      for (
        let i = 0;
        i < 600 && !(page.index_version?.startsWith('two_tower') && page.model_version?.includes('ranker'));
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
        page = (await (
          await fetch(`${base}/api/v1/feed`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as typeof page;
      }
      await runLoad(target(base), { concurrency: 2 }); // warm-up: JIT, caches, connections
      const points: Record<string, LoadPoint[]> = {};
      const servicesCpu: Record<string, number[]> = {};
      for (const [shape, pages] of SHAPES) {
        points[shape] = [];
        servicesCpu[shape] = [];
        for (const c of LEVELS) {
          const before = services.map((s) => cpuS(s.pid!));
          const p = await runLoad(target(base), { concurrency: c, pagesPerSession: pages });
          const used = services.reduce((a, s, i) => a + cpuS(s.pid!) - before[i]!, 0);
          servicesCpu[shape]!.push(+((used * 1000) / Math.max(1, p.requests)).toFixed(2));
          points[shape]!.push(p);
        }
      }
      const r: ArmResult = {
        points,
        index_version: page.index_version ?? 'none',
        model_version: page.model_version ?? 'none',
      };
      if (services.length > 0) r.services_cpu_ms_per_request = servicesCpu;
      return r;
    } finally {
      await app.close();
      await closeDeps(deps);
    }
  }

  const inProcess = await arm({ RETRIEVAL_URL: 'in-process://', RANKING_URL: 'in-process://' }, []);
  const svcEnv = (port: number) => ({ ...env, SERVICE_PORT: String(port) });
  const retrieval = await startService('retrieval', svcEnv(PORT));
  const ranking = await startService('ranking', svcEnv(PORT + 1));
  let remote: ArmResult;
  try {
    remote = await arm({ RETRIEVAL_URL: `http://127.0.0.1:${PORT}`, RANKING_URL: `http://127.0.0.1:${PORT + 1}` }, [
      retrieval,
      ranking,
    ]);
  } finally {
    retrieval.kill('SIGTERM');
    ranking.kill('SIGTERM');
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(bound.dir, { recursive: true, force: true });

  const rows = SHAPES.flatMap(([shape]) =>
    LEVELS.map((c, i) => {
      const x = inProcess.points[shape]![i]!;
      const y = remote.points[shape]![i]!;
      const ms = (v: number) => +v.toFixed(2);
      return {
        shape,
        concurrency: c,
        in_process: {
          rps: ms(x.rps),
          p50_ms: ms(x.p50_ms),
          p99_ms: ms(x.p99_ms),
          api_cpu_ms: ms(x.cpu_ms_per_request),
        },
        remote: {
          rps: ms(y.rps),
          p50_ms: ms(y.p50_ms),
          p99_ms: ms(y.p99_ms),
          api_cpu_ms: ms(y.cpu_ms_per_request),
          services_cpu_ms: remote.services_cpu_ms_per_request![shape]![i]!,
        },
        hop: { p50_ms: ms(y.p50_ms - x.p50_ms), p99_ms: ms(y.p99_ms - x.p99_ms) },
      };
    }),
  );
  printTable(
    'feed with retrieval and ranking in process vs as services over HTTP (closed loop)',
    rows.map((r) => ({
      shape: r.shape,
      clients: r.concurrency,
      'in-process req/s': r.in_process.rps,
      'p50 / p99 ms': `${r.in_process.p50_ms} / ${r.in_process.p99_ms}`,
      'remote req/s': r.remote.rps,
      'remote p50 / p99 ms': `${r.remote.p50_ms} / ${r.remote.p99_ms}`,
      'hop p50 / p99 ms': `${r.hop.p50_ms} / ${r.hop.p99_ms}`,
      'cpu ms/req (api | api + services)': `${r.in_process.api_cpu_ms} | ${r.remote.api_cpu_ms} + ${r.remote.services_cpu_ms}`,
    })),
  );
  writeResults(quick ? 'service-hop-quick' : 'service-hop', {
    quick,
    videos: VIDEOS,
    users: USERS,
    seconds: SECONDS,
    trained: { users: trained.users, videos: trained.videos, dims: DIMS, cached: trained.cached },
    versions: {
      in_process: [inProcess.index_version, inProcess.model_version],
      remote: [remote.index_version, remote.model_version],
    },
    rows,
    in_process: inProcess.points,
    remote: remote.points,
  });
}

await main();
