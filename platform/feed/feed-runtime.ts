import { join } from 'node:path';
import { ExposureLogger } from '../../ab/exposure.ts';
import { RunningExperiments } from '../../ab/runtime.ts';
import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
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
import { downloadArtifacts } from '../../model-format/artifact-dir.ts';
import { PinnedVersions } from '../../model-format/pinned-versions.ts';
import { type ProductionModel, registeredModel } from '../../model-format/production.ts';
import { RankerHolder, type RankerModel } from '../../ranking/ranker-holder.ts';
import { OnnxRanker } from '../../ranking/scorer.onnx.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import { type ContentEmbedder, hashedContentEmbedder } from '../../retrieval/content-embedding.ts';
import { ContentIndex, pinnedIndexResolver } from '../../retrieval/content-index.ts';
import {
  IndexHolder,
  type IndexSnapshot,
  type QueryEmbedder,
  readIndexArtifact,
  withQueryTower,
} from '../../retrieval/index-holder.ts';
import { IndexMaintainer } from '../../retrieval/index-maintainer.ts';
import { ModelWatcher } from '../../retrieval/model-watcher.ts';
import { NeighbourTableJob } from '../../retrieval/neighbour-table.ts';
import { QueryTower } from '../../retrieval/query-tower.ts';
import { VideoCounters } from '../engagement/counters.ts';
import { FeedService } from './feed.service.ts';
import { feedTelemetry } from './feed.telemetry.ts';

/** Registry names of the models the feed follows. */
// The names `foryou-train train` registers the model families under.
export const FEED_MODELS = { retrieval: 'two_tower', ranker: 'ranker' } as const;

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
  catalogRefreshMs?: number;
  modelPollMs?: number;
  random?: () => number;
}

/** Everything the feed serves from, started and stopped together. */
export interface FeedRuntime {
  catalog: Catalog;
  index: IndexHolder;
  ranker: RankerHolder;
  maintainer: IndexMaintainer;
  retrievalWatcher: ModelWatcher<IndexSnapshot>;
  rankerWatcher: ModelWatcher<RankerModel>;
  service: FeedService;
  counters: VideoCounters;
  /** Keeps the serving snapshot's neighbour table (similar items); `refresh()` resolves when it is built. */
  neighbours: NeighbourTableJob;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Wires catalogue, index, ranker, pipelines and service; `start()` loads them (failures degrade, never throw). */
export function createFeedRuntime(o: FeedRuntimeOptions): FeedRuntime {
  const catalog = new Catalog();
  const index = new IndexHolder();
  const ranker = new RankerHolder();
  const embedder = o.contentEmbedder ?? hashedContentEmbedder(64);
  const maintainer = new IndexMaintainer({
    holder: index,
    catalog,
    embedder,
    telemetry: o.telemetry,
  });
  const counters = new VideoCounters({ cache: o.cache, metadata: o.metadata, clock: o.clock });
  // Similar-items reads each seed's neighbours from a table searched once per snapshot, not per request.
  const neighbours = new NeighbourTableJob(index, {
    onError: (err) => o.telemetry.component('feed').failed(err, 'building the neighbour table failed'),
  });
  const loadIndex = async (m: ProductionModel) => {
    const snap = await readIndexArtifact(o.objects, m.artifactPrefix);
    if (!snap) throw new Error(`model ${m.name} ${m.version} has no ANN index under ${m.artifactPrefix}`);
    const tower = await loadQueryTower(m);
    return tower ? withQueryTower(snap, tower) : snap;
  };
  const retrievalWatcher = new ModelWatcher<IndexSnapshot>({
    db: o.metadata,
    name: FEED_MODELS.retrieval,
    load: loadIndex,
    install: (snap) => index.swap(snap),
    telemetry: o.telemetry,
  });
  // By default the ONNX artifacts of the promoted versions are fetched from the object store and loaded.
  const loadQueryTower =
    o.loadQueryTower ??
    (async (m: ProductionModel) => QueryTower.load(await downloadArtifacts(o.objects, m.artifactPrefix)));
  const loadRanker =
    o.loadRanker ??
    (async (m: ProductionModel) =>
      OnnxRanker.load(await downloadArtifacts(o.objects, m.artifactPrefix), { version: `${m.name}@${m.version}` }));
  const rankerWatcher = new ModelWatcher<RankerModel>({
    db: o.metadata,
    name: FEED_MODELS.ranker,
    load: loadRanker,
    install: (m) => ranker.swap(m),
    telemetry: o.telemetry,
  });
  // Model versions experiment arms pin (`value_model.ranker_version`, `sources.two_tower.model_version`):
  // loaded from the registry on first use, beside production; at most 2 of each, least recently used
  // dropped. A pinned index is the version's own artifact: it does not receive later uploads.
  const pinned = <T>(name: string, load: (m: ProductionModel) => Promise<T>) =>
    new PinnedVersions<T>({
      max: 2,
      load: async (version) => {
        const m = await registeredModel(o.metadata, name, version);
        if (!m) throw new Error(`model ${name}@${version} is not registered`);
        return load(m);
      },
      onError: (version, err) =>
        o.telemetry
          .component('feed')
          .failed(err, `pinned ${name}@${version} could not be loaded; its arm is served by production`),
    });
  const pinnedRankers = pinned(FEED_MODELS.ranker, loadRanker);
  // An arm may also pin the content index beside a promoted two-tower (built on its first request).
  const contentIndex = new ContentIndex({ catalog, embedder, telemetry: o.telemetry });
  const pinnedIndexes = pinnedIndexResolver(contentIndex, pinned(FEED_MODELS.retrieval, loadIndex));
  const parts = {
    metadata: o.metadata,
    cache: o.cache,
    catalog,
    ranker,
    pinnedRankers,
    ...(o.featureStore ? { featureStore: o.featureStore } : {}),
    ...(o.serveLog ? { serveLog: o.serveLog } : {}),
    sessionTtlMs: () => config.sessionTtlS * 1000,
    ...(o.random ? { random: o.random } : {}),
  };
  const pipelines = feedPipelines(parts);
  // Bound to the components of the pipelines that run: a component without settings stops the start.
  const config =
    o.feedConfig ?? loadFeedConfig(settingsSlotsOf(Object.values(pipelines)), o.feedConfigDir ?? EXPERIMENTS_DIR);
  const log = o.telemetry.component('feed');
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
      ? new ExposureLogger(o.events, o.cache, (err) => log.failed(err, 'logging an exposure failed'))
      : undefined;
  const service = new FeedService({
    metadata: o.metadata,
    cache: o.cache,
    clock: o.clock,
    secret: o.secret,
    publicBaseUrl: o.publicBaseUrl,
    ...(o.playbackTokenTtlS ? { playbackTokenTtlS: o.playbackTokenTtlS } : {}),
    catalog,
    index,
    pinnedIndexes,
    config: currentConfig,
    pipelines,
    counts: (ids) => counters.get(ids),
    telemetry: feedTelemetry(o.telemetry),
    ...(exposures
      ? {
          onServed: async (actor: string, arms: readonly { experiment: string; arm: string }[], nowMs: number) => {
            // Only experiments of experiments/ab (feed.yaml's have no exposure analysis).
            const ab = arms.filter((a) => currentConfig().experiments.some((e) => e.name === a.experiment && e.assign));
            if (ab.length > 0) await exposures.served(actor, ab, nowMs);
          },
        }
      : {}),
  });
  const unpublish: (() => void)[] = [];
  return {
    catalog,
    index,
    ranker,
    maintainer,
    retrievalWatcher,
    rankerWatcher,
    service,
    counters,
    neighbours,
    async start() {
      // The operator page and the model and index gauges read these while the runtime lives.
      unpublish.push(
        o.telemetry.status.addModel(FEED_MODELS.retrieval, () => retrievalWatcher.status()),
        o.telemetry.status.addModel(FEED_MODELS.ranker, () => rankerWatcher.status()),
        o.telemetry.status.setIndex(() => {
          const s = index.current();
          return s && { version: s.version, size: s.ids.length, dims: s.dims, builtAt: s.builtAt };
        }),
      );
      await catalog
        .load(o.metadata)
        .catch((err) => log.failed(err, 'first catalogue load failed; the refresh retries every few seconds'));
      catalog.start(o.metadata, o.clock, { refreshMs: o.catalogRefreshMs ?? 2_000, telemetry: o.telemetry });
      await retrievalWatcher.poll();
      await rankerWatcher.poll();
      // backfill() reports its own failures and never rejects; this catch is for a bug in it.
      await maintainer.backfill().catch((err) => log.failed(err, 'index back-fill threw'));
      retrievalWatcher.start(o.modelPollMs ?? 5_000);
      rankerWatcher.start(o.modelPollMs ?? 5_000);
      neighbours.start();
    },
    async close() {
      catalog.stop();
      await neighbours.close();
      retrievalWatcher.stop();
      rankerWatcher.stop();
      for (const off of unpublish.splice(0)) off();
    },
  };
}
