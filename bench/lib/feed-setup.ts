/**
 * bench:feed's backend sets and their data: the config of each set, the ports opened on it, the seeded
 * users, videos and engagement, and the clean-up afterwards.
 *
 * Sets: `embedded` (SQLite files + the in-process cache), `scaled` (PostgreSQL + Redis), and either of
 * them with `-cluster<N>` (`embedded-cluster2`, `scaled-cluster2`): the API as a node cluster of N
 * processes on one port, as `API_PROCESSES=N` runs it. A cluster needs a cache shared by its processes,
 * so the embedded cluster keeps SQLite for metadata, events and queue, and a SQLite file for the feature
 * store, but uses Redis for the cache (the config refuses `API_PROCESSES > 1` with `memory://`).
 * `-cluster1` runs one API process apart from the benchmark's: its memory is the API's alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../../core/config/config.ts';
import { dropTestSchema, testPostgresUrl } from '../../core/testing/postgres.ts';
import { cleanupTestRedis, testRedisUrl } from '../../core/testing/redis.ts';
import { openFeatureStore } from '../../feature-store/open.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import { closeDeps, openDeps } from '../../platform/api/open-deps.ts';
import { mulberry32 } from '../../retrieval/ann/synthetic-vectors.ts';
import { type SeededUser, type SeededVideo, seedEngagement, seedMetadata } from './feed-seed.ts';

type Deps = Awaited<ReturnType<typeof openDeps>>;

export interface SetShape {
  scaled: boolean;
  /** API processes. */
  processes: number;
  /**
   * Whether the API runs in processes of its own (`-cluster<N>`, also N = 1), so their memory is the API's
   * alone; otherwise it serves inside the process that seeded the data.
   */
  separate: boolean;
  /** The key of the set in `results`. */
  backend: string;
}

export function setShape(set: string): SetShape {
  const m = /^(embedded|scaled)(?:-cluster(\d+))?$/.exec(set);
  if (!m) throw new Error(`bench:feed: unknown backend set "${set}" (embedded, scaled, embedded-cluster2, …)`);
  const scaled = m[1] === 'scaled';
  const processes = m[2] ? Number(m[2]) : 1;
  if (processes < 1) throw new Error(`bench:feed: ${set} needs at least one process`);
  if (!m[2]) return { scaled, processes, separate: false, backend: scaled ? 'postgres+redis' : 'sqlite+memory' };
  const backend = `${scaled ? 'postgres+redis' : 'sqlite+redis'}_cluster${processes}`;
  return { scaled, processes, separate: true, backend };
}

export interface PreparedSet {
  shape: SetShape;
  dir: string;
  /** The config overrides (every API process of a cluster builds its config from the same ones). */
  env: Record<string, string>;
  deps: Deps;
  featuresUrl: string;
  featureStore: FeatureStore;
  users: SeededUser[];
  videos: SeededVideo[];
  seedS: number;
  cleanup(): Promise<void>;
}

/** Opens the set's ports in this process and seeds them. */
export async function prepareSet(
  set: string,
  size: { users: number; videos: number; maxInFlight: number },
): Promise<PreparedSet> {
  const shape = setShape(set);
  const { scaled } = shape;
  const cluster = shape.separate;
  const rand = mulberry32(11);
  const dir = mkdtempSync(join(tmpdir(), `foryou-feedbench-${set}-`));
  const env: Record<string, string> = {
    DATA_DIR: dir,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    METADATA_URL: scaled ? testPostgresUrl('feed-bench') : `sqlite://${dir}/foryou.db`,
    OBJECTS_URL: `file://${dir}/objects`,
    EVENTS_URL: `sqlite://${dir}/events.db`,
    QUEUE_URL: `sqlite://${dir}/queue.db`,
    CACHE_URL: scaled || cluster ? testRedisUrl('feed-bench') : 'memory://',
    RATE_LIMIT_USER_PER_MIN: '100000000',
    RATE_LIMIT_IP_PER_MIN: '100000000',
    API_MAX_IN_FLIGHT: String(size.maxInFlight),
    // The platform's default unless the benchmark's own environment sets it (to compare settings).
    ...(process.env.API_HEAP_GROWING_PERCENT ? { API_HEAP_GROWING_PERCENT: process.env.API_HEAP_GROWING_PERCENT } : {}),
  };
  const deps = await openDeps(testConfig(env));
  const featuresUrl = scaled
    ? testRedisUrl('feed-bench-fs')
    : cluster
      ? `sqlite://${dir}/features.db`
      : 'sqlite://:memory:';
  const featureStore = await openFeatureStore(featuresUrl);
  const t0 = performance.now();
  const { users, videos } = await seedMetadata(deps.metadata, rand, size);
  await seedEngagement(featureStore, deps.cache, rand, users, videos);
  const seedS = (performance.now() - t0) / 1000;
  return {
    shape,
    dir,
    env,
    deps,
    featuresUrl,
    featureStore,
    users,
    videos,
    seedS,
    async cleanup() {
      await featureStore.close();
      if (env.CACHE_URL!.startsWith('redis')) await cleanupTestRedis(env.CACHE_URL!).catch(() => {});
      if (scaled) await cleanupTestRedis(featuresUrl).catch(() => {});
      await closeDeps(deps).catch(() => {});
      if (scaled) await dropTestSchema(env.METADATA_URL!).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
