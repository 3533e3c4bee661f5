import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import type { PinnedRankers, RankerSource } from '../../ranking/ranker-holder.ts';
import type { Catalog } from '../../retrieval/catalog.ts';
import { type SettingsSlot, uniqueSlots } from '../pipeline/settings.ts';
import { slotsOf } from '../pipeline/types.ts';
import { alreadySeenFilter } from './filters/already-seen.filter.ts';
import { blockedFilter } from './filters/blocked.filter.ts';
import { notRecommendableFilter, removedFilter } from './filters/moderation.filter.ts';
import { notInterestedFilter } from './filters/not-interested.filter.ts';
import { notReadyFilter } from './filters/not-ready.filter.ts';
import { privacyFilter } from './filters/privacy.filter.ts';
import { exposureHydrator } from './hydrators/exposure.hydrator.ts';
import { featuresHydrator, type UserProfiles } from './hydrators/features.hydrator.ts';
import { historyHydrator } from './hydrators/history.hydrator.ts';
import { liveStateHydrator } from './hydrators/live-state.hydrator.ts';
import { seenLedgerHydrator } from './hydrators/seen-ledger.hydrator.ts';
import { viewerHydrator } from './hydrators/viewer.hydrator.ts';
import { authorDiversityReranker } from './rerankers/author-diversity.reranker.ts';
import { creatorExposureReranker } from './rerankers/creator-exposure.reranker.ts';
import { explorationSlotRerankers } from './rerankers/exploration-slot.reranker.ts';
import { freshnessBoostReranker } from './rerankers/freshness-boost.reranker.ts';
import { policyOrderReranker } from './rerankers/policy-order.reranker.ts';
import { rewatchCapReranker } from './rerankers/rewatch-cap.reranker.ts';
import { topicDiscoveryReranker } from './rerankers/topic-discovery.reranker.ts';
import { viewerScoredCache } from './scored-cache.ts';
import { fallbackScorer } from './scorers/fallback.scorer.ts';
import { modelScorer } from './scorers/model.scorer.ts';
import { recencyScorer } from './scorers/recency.scorer.ts';
import { retrievalPriorPreRanker } from './scorers/retrieval-prior.ts';
import { topSelector } from './selector.ts';
import { exposureSideEffect } from './side-effects/exposure.side-effect.ts';
import { type ReserveCounter, reserveCountSideEffect } from './side-effects/reserve-count.side-effect.ts';
import { seenLedgerSideEffect } from './side-effects/seen-ledger.side-effect.ts';
import { type ServedItemSink, serveLogSideEffect } from './side-effects/serve-log.side-effect.ts';
import { sessionSeenSideEffect } from './side-effects/session-seen.side-effect.ts';
import { exploreSource } from './sources/explore.source.ts';
import { followingSource } from './sources/following.source.ts';
import { freshSource } from './sources/fresh.source.ts';
import { interestsSource } from './sources/interests.source.ts';
import { popularSource } from './sources/popular.source.ts';
import { rewatchSource } from './sources/rewatch.source.ts';
import { similarSource } from './sources/similar.source.ts';
import { tagQualityRanking } from './sources/tag-quality.ts';
import { trendingSource } from './sources/trending.source.ts';
import { twoTowerSource } from './sources/two-tower.source.ts';
import {
  type CandidateSource,
  type FeedType,
  type Filter,
  newCandidate,
  type PipelineConfig,
  type Reranker,
} from './types.ts';

/** What the feed pipelines are built from. `featureStore` is optional: without it, history-based parts are left out. */
export interface FeedParts {
  metadata: SqlExecutor;
  cache: Cache;
  catalog: Catalog;
  ranker: RankerSource;
  /** Ranker versions other than production that arms pin (`value_model.ranker_version`), loaded on demand. */
  pinnedRankers?: PinnedRankers;
  featureStore?: FeatureStore;
  serveLog?: ServedItemSink;
  sessionTtlMs: () => number;
  random?: () => number;
  /** Static profile numbers of the viewer for the ranker's features (0 = unknown without it). */
  userProfiles?: UserProfiles;
  /** How long video feature counters may be reused in process (ms); default 2 s. */
  videoFeatureCacheMs?: number;
  /** How long a viewer's scored list serves their next pages (ms); default `SCORED_CACHE_TTL_MS`, 0 = off. */
  scoredCacheMs?: number;
  /**
   * The platform's clock, which the scored list's age is measured on (the system clock without it). Under
   * a simulated clock a list then expires in simulated time, not after ten seconds of the machine's.
   */
  clock?: Clock;
  /** Counts served and re-served items (metrics); nothing counted without it. */
  reserveCounter?: ReserveCounter;
  /** Reports a failure the feed absorbed (e.g. the shared scored list unreadable): the host logs and counts it. */
  onAbsorbedError?: (err: unknown, what: string) => void;
}

/** Default staleness bound of cached video feature counters: they are decayed to request time anyway. */
export const VIDEO_FEATURE_CACHE_MS = 2_000;

/** For You's retrieval sources, in the order their candidates are merged. */
export function forYouSources(
  p: Pick<FeedParts, 'cache' | 'catalog' | 'random'> & { featureStore?: Pick<FeatureStore, 'loadState'> },
): CandidateSource[] {
  return [
    twoTowerSource,
    followingSource(p.catalog),
    trendingSource(p.cache),
    similarSource(),
    freshSource(p.catalog, p.cache),
    exploreSource(p.catalog, p.random),
    interestsSource(p.catalog, p.featureStore ? { ranking: tagQualityRanking(p.catalog, p.featureStore) } : {}),
    popularSource(p.catalog),
    rewatchSource(p.catalog),
  ];
}

/**
 * What no viewer may be shown, in every pipeline and in the live check of every page: videos not ready
 * or deleted, videos the viewer may not see (privacy), creators blocked either way, and videos a
 * moderator removed.
 */
export const SAFETY_FILTERS: readonly Filter[] = [notReadyFilter, privacyFilter, blockedFilter, removedFilter];

/** What For You may not recommend on top of the safety filters: held and limited videos. */
export const RECOMMENDATION_FILTERS: readonly Filter[] = [...SAFETY_FILTERS, notRecommendableFilter];

/** For You's filters: the safety and recommendation filters, plus what the viewer need not see again. */
export const FOR_YOU_FILTERS: readonly Filter[] = [alreadySeenFilter, ...RECOMMENDATION_FILTERS, notInterestedFilter];

/** How the feeds turn a source's video id into a candidate: catalogue videos only. */
export function catalogCandidates(catalog: Pick<Catalog, 'get'>): Pick<PipelineConfig, 'candidate' | 'idOf'> {
  return {
    candidate: (id) => {
      const v = catalog.get(id);
      return v ? newCandidate(v) : undefined;
    },
    idOf: (c) => c.video.id,
  };
}

/** For You's reranking rules, applied in order after scoring. */
export const FOR_YOU_RERANKERS: readonly Reranker[] = [
  policyOrderReranker,
  rewatchCapReranker,
  // The exploration slot picks before the diversity rules and places after them (see the reranker).
  explorationSlotRerankers.pick,
  creatorExposureReranker,
  freshnessBoostReranker,
  authorDiversityReranker,
  topicDiscoveryReranker,
  explorationSlotRerankers.place,
];

/**
 * For You from retrieval on: the prior and its cut, filters, the ranker + value model, reranking and
 * selection. The server and the offline replay both build their pipeline from this, so the replay
 * measures the code that serves.
 */
export function forYouRanking(
  ranker: RankerSource,
  pinnedRankers?: PinnedRankers,
): Pick<PipelineConfig, 'preRanker' | 'filters' | 'scorer' | 'fallbackScorer' | 'rerankers' | 'selector'> {
  return {
    preRanker: retrievalPriorPreRanker,
    filters: FOR_YOU_FILTERS,
    scorer: modelScorer(ranker, pinnedRankers),
    fallbackScorer,
    rerankers: FOR_YOU_RERANKERS,
    selector: topSelector,
  };
}

/**
 * The catalogue is seconds behind the metadata store, so the page (only the page: ten rows, not every
 * candidate) is re-read live and anything no longer ready, deleted or no longer visible is replaced.
 */
function livePageGuard(
  db: SqlExecutor,
  filters: readonly Filter[] = SAFETY_FILTERS,
): NonNullable<PipelineConfig['pageGuard']> {
  return { hydrator: liveStateHydrator(db), filters };
}

const withStore = <T>(fs: FeatureStore | undefined, make: (fs: FeatureStore) => T): T[] => (fs ? [make(fs)] : []);

/** For You: every retrieval source, hydrated features, safety filters, the ranker + value model, and reranking rules. */
export function forYouPipeline(p: FeedParts): PipelineConfig {
  const { clock } = p;
  return {
    id: 'for_you',
    ...catalogCandidates(p.catalog),
    queryHydrators: [
      viewerHydrator(p.metadata),
      ...withStore(p.featureStore, (fs) => historyHydrator(fs, p.catalog)),
      seenLedgerHydrator(p.cache),
    ],
    sources: forYouSources(p),
    hydrators: [
      ...withStore(p.featureStore, (fs) =>
        featuresHydrator(fs, {
          videoCacheMs: p.videoFeatureCacheMs ?? VIDEO_FEATURE_CACHE_MS,
          ...(p.userProfiles ? { profiles: p.userProfiles } : {}),
        }),
      ),
      exposureHydrator(p.cache),
    ],
    ...forYouRanking(p.ranker, p.pinnedRankers),
    pageGuard: livePageGuard(p.metadata, RECOMMENDATION_FILTERS),
    sideEffects: [
      sessionSeenSideEffect(p.cache, p.sessionTtlMs),
      exposureSideEffect(p.cache),
      seenLedgerSideEffect(p.cache),
      ...(p.serveLog ? [serveLogSideEffect(p.serveLog)] : []),
      ...(p.reserveCounter ? [reserveCountSideEffect('for_you', p.reserveCounter)] : []),
    ],
    scoredCache: viewerScoredCache({
      catalog: p.catalog,
      ranker: p.ranker,
      // A Redis cache is shared by every API process (and node): a list serves next pages on any of them.
      ...(p.cache?.kind === 'redis' ? { shared: p.cache } : {}),
      ...(p.onAbsorbedError ? { onSharedError: p.onAbsorbedError } : {}),
      ...(p.scoredCacheMs !== undefined ? { ttlMs: p.scoredCacheMs } : {}),
      ...(clock ? { now: () => clock.now(), wallNow: () => clock.now() } : {}),
    }),
  };
}

/** Following: the followed creators' uploads, newest first, through the same safety filters. */
export function followingPipeline(p: FeedParts): PipelineConfig {
  return {
    id: 'following',
    ...catalogCandidates(p.catalog),
    queryHydrators: [viewerHydrator(p.metadata)],
    sources: [followingSource(p.catalog)],
    hydrators: [],
    // No history hydrator here, so already-seen only drops this session's served ids: the list stays chronological.
    filters: [alreadySeenFilter, ...SAFETY_FILTERS, notInterestedFilter],
    scorer: recencyScorer,
    fallbackScorer: recencyScorer,
    rerankers: [],
    selector: topSelector,
    pageGuard: livePageGuard(p.metadata),
    sideEffects: [
      sessionSeenSideEffect(p.cache, p.sessionTtlMs),
      ...(p.serveLog ? [serveLogSideEffect(p.serveLog)] : []),
    ],
  };
}

/** The pipelines the feed service runs, by feed type. */
export function feedPipelines(p: FeedParts): Record<FeedType, PipelineConfig> {
  return { for_you: forYouPipeline(p), following: followingPipeline(p) };
}

/** Every settings slot of a set of pipelines (what `experiments/feed.yaml` must hold, and all it may hold). */
export function settingsSlotsOf(pipelines: readonly PipelineConfig[]): SettingsSlot<unknown>[] {
  return [...uniqueSlots(pipelines.flatMap((p) => slotsOf(p as never))).values()];
}

/**
 * The slots of both feeds, read off pipelines built with inert parts: building a pipeline only
 * captures its parts, it calls none of them, so this needs no catalogue, store or model.
 */
export function feedSettingsSlots(): SettingsSlot<unknown>[] {
  return settingsSlotsOf(Object.values(feedPipelines({} as FeedParts)));
}
