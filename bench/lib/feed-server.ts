/**
 * bench:feed's server: the real API app with the feed area mounted on a runtime the benchmark loaded
 * (trained index and ranker swapped in), a static 3 KB JSON page beside it as the machine's ceiling, a
 * value model ranking a chosen number of candidates, and an optional CPU profile of the process.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureStore } from '../../feature-store/ports.ts';
import { EXPERIMENTS_DIR } from '../../feed/for-you/config.ts';
import { buildApp } from '../../platform/api/app.ts';
import { applyHeapGrowth } from '../../platform/api/heap.ts';
import type { openDeps } from '../../platform/api/open-deps.ts';
import { ServeLog } from '../../platform/engagement/serve-log.ts';
import { feedRoutes } from '../../platform/feed/feed.routes.ts';
import { createFeedRuntime, type FeedRuntime } from '../../platform/feed/feed-runtime.ts';
import type { RankerModel } from '../../ranking/ranker-holder.ts';
import type { IndexSnapshot } from '../../retrieval/index-holder.ts';

type Deps = Awaited<ReturnType<typeof openDeps>>;

/** A copy of the experiments directory whose value model ranks `rankTopN` candidates per request. */
export function benchFeedConfigDir(rankTopN: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-feedbench-config-'));
  cpSync(EXPERIMENTS_DIR, dir, { recursive: true });
  const file = join(dir, 'value-model.yaml');
  const text = readFileSync(file, 'utf8');
  if (!/rank_top_n: \d+/.test(text)) throw new Error('value-model.yaml has no rank_top_n');
  writeFileSync(file, text.replace(/rank_top_n: \d+/, `rank_top_n: ${rankTopN}`));
  return dir;
}

/** Starts the V8 profiler in this process; the returned function stops it and writes `<prefix>-<set>.cpuprofile`. */
export async function startCpuProfile(prefix: string | undefined, set: string): Promise<() => Promise<void>> {
  if (!prefix) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${prefix}-${set}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * Starts V8's sampling heap profiler in this process; the returned function writes what is still
 * allocated of the sampled allocations, by allocation stack, to `<prefix>-<set>.heapprofile`.
 */
export async function startHeapProfile(prefix: string | undefined, set: string): Promise<() => Promise<void>> {
  if (!prefix) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024 });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(`${prefix}-${set}.heapprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

export interface FeedServer {
  runtime: FeedRuntime;
  base: string;
  close(): Promise<void>;
}

/** The feed runtime with `snapshot` and `ranker` installed, and the API listening on a free port. */
export async function startFeedServer(opts: {
  deps: Deps;
  featureStore: FeatureStore;
  snapshot: IndexSnapshot;
  ranker: RankerModel;
  feedConfigDir: string;
}): Promise<FeedServer> {
  const { deps, featureStore } = opts;
  // As platform/api/server.ts does when the process starts.
  applyHeapGrowth(deps.config.API_HEAP_GROWING_PERCENT);
  const serveLog = new ServeLog(deps);
  const runtime = createFeedRuntime({
    ...deps,
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    featureStore,
    serveLog,
    catalogRefreshMs: 2_000,
    feedConfigDir: opts.feedConfigDir,
  });
  runtime.index.swap(opts.snapshot);
  runtime.ranker.swap(opts.ranker);
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
  return {
    runtime,
    base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    async close() {
      await app.close();
      await runtime.close();
      await serveLog.close().catch(() => {});
    },
  };
}
