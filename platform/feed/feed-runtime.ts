import { join } from 'node:path';
import { ExposureLogger } from '../../ab/exposure.ts';
import { RunningExperiments } from '../../ab/runtime.ts';
import { guardedCache } from '../../core/cache/guarded.ts';
import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { CircuitBreaker, guarded } from '../../core/errors/breaker.ts';
import type { EventLog } from '../../core/events/ports.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import {
  EXPERIMENTS_DIR,
  type FeedConfig,
  type FeedExperiment,
  loadFeedConfig,
  withExperiments,
} from '../../feed/for-you/config.ts';
import { feedPipelines, settingsSlotsOf } from '../../feed/for-you/pipelines.ts';
import type { ServedItemSink } from '../../feed/for-you/side-effects/serve-log.side-effect.ts';
import type { ModelWatcher } from '../../model-format/model-watcher.ts';
import type { ProductionModel } from '../../model-format/production.ts';
import type { RankerHolder, RankerModel } from '../../ranking/ranker-holder.ts';
import type { Ranking } from '../../ranking/service/ports.ts';
import { InProcessRanking, RANKING_MODEL } from '../../ranking/service/ranking.in-process.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import type { ContentEmbedder } from '../../retrieval/content-embedding.ts';
import type { IndexHolder, IndexSnapshot, QueryEmbedder } from '../../retrieval/index-holder.ts';
import type { IndexMaintainer } from '../../retrieval/index-maintainer.ts';
import type { NeighbourTableJob } from '../../retrieval/neighbour-table.ts';
import type { Retrieval } from '../../retrieval/service/ports.ts';
import { InProcessRetrieval, RETRIEVAL_MODEL } from '../../retrieval/service/retrieval.in-process.ts';
import { VideoCounters } from '../engagement/counters.ts';
import { FeedService } from './feed.service.ts';
import { feedTelemetry, reserveCounter } from './feed.telemetry.ts';

/** Registry names of the models the feed follows. */
// The names `foryou-train train` registers the model families under.
export const FEED_MODELS = { retrieval: RETRIEVAL_MODEL, ranker: RANKING_MODEL } as const;

/**
 * Time budgets of the feed's calls to a networked cache and feature store (Redis), ms: a healthy one
 * answers in about a millisecond, so a call this slow means it is stalled, and the page is built without it.
 */
export const FEED_BACKEND_TIMEOUTS = { read: 250, write: 250 } as const;

/** How long exposure logging (a cache marker, then the event log) may hold a page, ms. */
const EXPOSURE_TIMEOUT_MS = 500;

/**
 * The circuit breakers of the backends the feed calls over the network: after 3 consecutive failures or
 * timeouts, calls are refused at once for 1 s, then one probe is let through. While `cache`'s is open,
 * For You serves the fallback page straight away (`cache_unavailable`).
 */
export interface FeedBreakers {
  cache: CircuitBreaker;
  features: CircuitBreaker;
  events: CircuitBreaker;
}

/** Options of `createFeedRuntime`; every model loader is optional (the feed degrades without it). */
export interface FeedRuntimeOptions {
  metadata: MetadataStore;
  objects: ObjectStore;
  cache: Cache;
  clock: Clock;
  secret: string;
  /** PUBLIC_BASE_URL: feed items carry absolute playback URLs under it. */
  publicBaseUrl: string;
  /** Lifetime of playback tokens on non-public feed items (PLAYBACK_TOKEN_TTL_S). */
  playbackTokenTtlS?: number;
  /** Where the feed, the catalogue, the index maintainer and the model watchers log and count. */
  telemetry: Telemetry;
  featureStore?: FeatureStore;
  serveLog?: ServedItemSink;
  feedConfig?: FeedConfig;
  /** Where feed.yaml and value-model.yaml are read when `feedConfig` is not given (FEED_CONFIG_DIR). */
  feedConfigDir?: string;
  /**
   * The platform's data folder: experiments started from `<feed config dir>/ab` (state in
   * `DATA_DIR/experiments/state.json`) are served when given.
   */
  dataDir?: string;
  /** Where exposures to experiments of experiments/ab are logged (none without it). */
  events?: EventLog;
  /** How often the running experiments are looked up again (2 s). */
  experimentsRefreshMs?: number;
  contentEmbedder?: ContentEmbedder;
  /** Loads the query tower of a promoted two-tower version (its item vectors come from the index artifact). */
  loadQueryTower?: (m: ProductionModel) => Promise<QueryEmbedder | undefined>;
  loadRanker?: (m: ProductionModel) => Promise<RankerModel>;
  /** The catalogue the feed reads (a new one when not given). */
  catalog?: Catalog;
  /** Retrieval opened by RETRIEVAL_URL (`openRetrieval`); in process over `catalog` when not given. */
  retrieval?: Retrieval;
  /** Ranking opened by RANKING_URL (`openRanking`); in process when not given. */
  ranking?: Ranking;
  catalogRefreshMs?: number;
  modelPollMs?: number;
  random?: () => number;
}

/**
 * Everything the feed serves from, started and stopped together. `index`, `maintainer`,
 * `retrievalWatcher`, `neighbours`, `ranker` and `rankerWatcher` are the in-process retrieval and
 * ranking; they stay idle when the runtime was given remote services (`retrieval`, `ranking`).
 */
export interface FeedRuntime {
  catalog: Catalog;
  retrieval: Retrieval;
  ranking: Ranking;
  index: IndexHolder;
  ranker: RankerHolder;
  maintainer: IndexMaintainer;
  retrievalWatcher: ModelWatcher<IndexSnapshot>;
  rankerWatcher: ModelWatcher<RankerModel>;
  service: FeedService;
  counters: VideoCounters;
  breakers: FeedBreakers;
  /** Keeps the serving snapshot's neighbour table (similar items); `refresh()` resolves when it is built. */
  neighbours: NeighbourTableJob;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Wires catalogue, index, ranker, pipelines and service; `start()` loads them (failures degrade, never throw). */
export function createFeedRuntime(o: FeedRuntimeOptions): FeedRuntime {
  const catalog = o.catalog ?? new Catalog();
  const log = o.telemetry.component('feed');
  const breaker = (name: string) =>
    new CircuitBreaker(name, {
      onChange: (open) =>
        open
          ? log.failed(new Error(`${name} unavailable`), `${name} circuit open: feed calls to it refused for now`)
          : log.log.info({ backend: name }, `${name} circuit closed`),
    });
  const breakers: FeedBreakers = { cache: breaker('cache'), features: breaker('features'), events: breaker('events') };
  // The in-process backends (memory cache, SQLite feature store) cannot be down or stalled apart from
  // the process: only networked ones are guarded, so the embedded feed pays no timer per call.
  const timeouts = { readTimeoutMs: FEED_BACKEND_TIMEOUTS.read, writeTimeoutMs: FEED_BACKEND_TIMEOUTS.write };
  const cache = o.cache.kind === 'redis' ? guardedCache(o.cache, breakers.cache, timeouts) : o.cache;
  const featureStore =
    o.featureStore?.kind === 'redis'
      ? guarded(o.featureStore, breakers.features, () => FEED_BACKEND_TIMEOUTS.read)
      : o.featureStore;
  const counters = new VideoCounters({ cache: o.cache, metadata: o.metadata, clock: o.clock });
  const guardedCounts =
    o.cache.kind === 'redis'
      ? (ids: readonly string[]) => breakers.cache.run(() => counters.get(ids), FEED_BACKEND_TIMEOUTS.read)
      : (ids: readonly string[]) => counters.get(ids);
  const localRetrieval = new InProcessRetrieval({
    metadata: o.metadata,
    objects: o.objects,
    catalog,
    telemetry: o.telemetry,
    ...(o.contentEmbedder ? { contentEmbedder: o.contentEmbedder } : {}),
    ...(o.loadQueryTower ? { loadQueryTower: o.loadQueryTower } : {}),
    ...(o.modelPollMs !== undefined ? { modelPollMs: o.modelPollMs } : {}),
  });
  const localRanking = new InProcessRanking({
    metadata: o.metadata,
    objects: o.objects,
    telemetry: o.telemetry,
    ...(o.loadRanker ? { loadRanker: o.loadRanker } : {}),
    ...(o.modelPollMs !== undefined ? { modelPollMs: o.modelPollMs } : {}),
  });
  const retrieval = o.retrieval ?? localRetrieval;
  const ranking = o.ranking ?? localRanking;
  const parts = {
    metadata: o.metadata,
    cache,
    catalog,
    ranker: ranking,
    pinnedRankers: ranking,
    ...(featureStore ? { featureStore } : {}),
    ...(o.serveLog ? { serveLog: o.serveLog } : {}),
    sessionTtlMs: () => config.sessionTtlS * 1000,
    clock: o.clock,
    ...(o.random ? { random: o.random } : {}),
    reserveCounter: reserveCounter(o.telemetry),
    onAbsorbedError: (err: unknown, what: string) => log.failed(err, what),
  };
  const pipelines = feedPipelines(parts);
  // Bound to the components of the pipelines that run: a component without settings stops the start.
  const config =
    o.feedConfig ?? loadFeedConfig(settingsSlotsOf(Object.values(pipelines)), o.feedConfigDir ?? EXPERIMENTS_DIR);
  const running = o.dataDir
    ? new RunningExperiments({
        dir: join(o.feedConfigDir ?? EXPERIMENTS_DIR, 'ab'),
        dataDir: o.dataDir,
        ...(o.experimentsRefreshMs !== undefined ? { refreshMs: o.experimentsRefreshMs } : {}),
        onError: (err, what) => log.failed(err, what),
      })
    : undefined;
  let composed = { signature: '', config };
  // The base config with the running experiments; rebuilt only when they change.
  function currentConfig(): FeedConfig {
    if (!running) return config;
    const r = running.current();
    if (r.signature === composed.signature) return composed.config;
    const ok: FeedExperiment[] = [];
    for (const e of r.experiments) {
      try {
        withExperiments(config, [e]);
        ok.push(e);
      } catch (err) {
        log.failed(err, `experiment ${e.name} produces invalid feed settings; it is left out`);
      }
    }
    composed = { signature: r.signature, config: withExperiments(config, ok) };
    return composed.config;
  }
  const exposures =
    running && o.events
      ? new ExposureLogger(o.events, cache, (err) => log.failed(err, 'logging an exposure failed'))
      : undefined;
  const service = new FeedService({
    metadata: o.metadata,
    cache,
    clock: o.clock,
    secret: o.secret,
    publicBaseUrl: o.publicBaseUrl,
    ...(o.playbackTokenTtlS ? { playbackTokenTtlS: o.playbackTokenTtlS } : {}),
    catalog,
    retrieval,
    config: currentConfig,
    pipelines,
    counts: guardedCounts,
    breakers,
    telemetry: feedTelemetry(o.telemetry),
    ...(exposures
      ? {
          onServed: async (actor: string, arms: readonly { experiment: string; arm: string }[], nowMs: number) => {
            // Only experiments of experiments/ab (feed.yaml's have no exposure analysis).
            const ab = arms.filter((a) => currentConfig().experiments.some((e) => e.name === a.experiment && e.assign));
            // Never longer than EXPOSURE_TIMEOUT_MS, and refused at once while the event log is down.
            if (ab.length > 0)
              await breakers.events
                .run(() => exposures.served(actor, ab, nowMs), EXPOSURE_TIMEOUT_MS)
                .catch((err) => log.failed(err, 'logging an exposure failed'));
          },
        }
      : {}),
  });
  const unpublish: (() => void)[] = [];
  return {
    catalog,
    retrieval,
    ranking,
    index: localRetrieval.holder,
    ranker: localRanking.holder,
    maintainer: localRetrieval.maintainer,
    retrievalWatcher: localRetrieval.watcher,
    rankerWatcher: localRanking.watcher,
    service,
    counters,
    breakers,
    neighbours: localRetrieval.neighbours,
    async start() {
      // The operator page and the model and index gauges read these while the runtime lives.
      unpublish.push(
        o.telemetry.status.addModel(FEED_MODELS.retrieval, () => retrieval.model()),
        o.telemetry.status.addModel(FEED_MODELS.ranker, () => ranking.model()),
        o.telemetry.status.setIndex(() => retrieval.index()),
      );
      await catalog
        .load(o.metadata)
        .catch((err) => log.failed(err, 'first catalogue load failed; the refresh retries every few seconds'));
      catalog.start(o.metadata, o.clock, { refreshMs: o.catalogRefreshMs ?? 2_000, telemetry: o.telemetry });
      await ranking.start();
      await retrieval.start();
    },
    async close() {
      catalog.stop();
      await retrieval.close();
      await ranking.close();
      for (const off of unpublish.splice(0)) off();
    },
  };
}
