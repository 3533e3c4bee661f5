/**
 * One API process of bench:feed's cluster (`lib/feed-cluster.ts` forks it with node:cluster): opens the
 * set's ports from the primary's config, loads the same trained models and index as the single-process
 * server (`servingModels`, bound to the run's ids), builds the similar-items neighbour table, listens on
 * the port the cluster shares, and says so. On `close` it reports its memory and exits.
 */
import { rmSync } from 'node:fs';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { testConfig } from '../../core/config/config.ts';
import { openFeatureStore } from '../../feature-store/open.ts';
import { closeDeps, openDeps } from '../../platform/api/open-deps.ts';
import { type MemoryMb, memoryMb, rssSampler } from '../report.ts';
import { startFeedServer } from './feed-server.ts';
import { servingModels } from './trained-models.ts';

export interface ClusterWorkerInit {
  env: Record<string, string>;
  featuresUrl: string;
  userIds: string[];
  videoIds: string[];
  dims: number;
  feedConfigDir: string;
}

/** What an API process reports when it is closed: its peak RSS while serving and where its memory was. */
export interface ClusterWorkerStats {
  pid: number;
  peak_rss_mb: number;
  memory_mb: MemoryMb;
  /** After the load and one full GC: the V8 heap still reachable, and each heap space's used / size. */
  live_heap_mb: number;
  heap_spaces_mb: Record<string, { used: number; size: number }>;
}

/** Runs a full garbage collection (the process was started without `--expose-gc`). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapSpacesMb(): ClusterWorkerStats['heap_spaces_mb'] {
  const mb = (b: number) => Math.round(b / 1048576);
  return Object.fromEntries(
    getHeapSpaceStatistics().map((s) => [s.space_name, { used: mb(s.space_used_size), size: mb(s.space_size) }]),
  );
}

export type ClusterWorkerMessage =
  | { ready: { base: string; startS: number } }
  | { closed: ClusterWorkerStats }
  | { failed: string };

async function serve(init: ClusterWorkerInit): Promise<void> {
  const t0 = performance.now();
  const deps = await openDeps(testConfig(init.env));
  const featureStore = await openFeatureStore(init.featuresUrl);
  const { snapshot, tower, ranker, bound } = await servingModels(init.userIds, init.videoIds, init.dims);
  const server = await startFeedServer({ deps, featureStore, snapshot, ranker, feedConfigDir: init.feedConfigDir });
  await server.runtime.neighbours.refresh();
  const rss = rssSampler();
  process.once('message', async () => {
    const peak = rss.stop();
    const mem = memoryMb();
    const spaces = heapSpacesMb();
    collectGarbage();
    const live = memoryMb().heap_used;
    await server.close();
    await tower.close();
    await ranker.close();
    await featureStore.close();
    await closeDeps(deps).catch(() => {});
    rmSync(bound.dir, { recursive: true, force: true });
    const closed: ClusterWorkerStats = {
      pid: process.pid,
      peak_rss_mb: peak,
      memory_mb: mem,
      live_heap_mb: live,
      heap_spaces_mb: spaces,
    };
    process.send!({ closed } satisfies ClusterWorkerMessage, () => process.exit(0));
  });
  const ready = { base: server.base, startS: (performance.now() - t0) / 1000 };
  process.send!({ ready } satisfies ClusterWorkerMessage);
}

if (process.send) {
  process.once('message', (init: ClusterWorkerInit) => {
    serve(init).catch((err: unknown) => {
      const failed = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.send!({ failed } satisfies ClusterWorkerMessage, () => process.exit(1));
    });
  });
}
