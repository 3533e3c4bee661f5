import type { Cache } from '../core/cache/ports.ts';
import type { SqlExecutor } from '../core/metadata/ports.ts';
import type { FeatureStore } from '../feature-store/ports.ts';
import type { Catalog } from '../retrieval/catalog.ts';
import { exploreSource } from '../retrieval/sources/explore.source.ts';
import { followingSource } from '../retrieval/sources/following.source.ts';
import { freshSource } from '../retrieval/sources/fresh.source.ts';
import { interestsSource } from '../retrieval/sources/interests.source.ts';
import { popularSource } from '../retrieval/sources/popular.source.ts';
import { similarSource } from '../retrieval/sources/similar.source.ts';
import { trendingSource } from '../retrieval/sources/trending.source.ts';
import { twoTowerSource } from '../retrieval/sources/two-tower.source.ts';
import { alreadySeenFilter } from './filters/already-seen.filter.ts';
import { blockedFilter } from './filters/blocked.filter.ts';
import { notInterestedFilter } from './filters/not-interested.filter.ts';
import { notReadyFilter } from './filters/not-ready.filter.ts';
import { privacyFilter } from './filters/privacy.filter.ts';
import { exposureHydrator } from './hydrators/exposure.hydrator.ts';
import { featuresHydrator } from './hydrators/features.hydrator.ts';
import { historyHydrator } from './hydrators/history.hydrator.ts';
import { interestsHydrator } from './hydrators/interests.hydrator.ts';
import { liveStateHydrator } from './hydrators/live-state.hydrator.ts';
import { negativeFeedbackHydrator } from './hydrators/negative-feedback.hydrator.ts';
import { socialGraphHydrator } from './hydrators/social-graph.hydrator.ts';
import type { CandidateSource, Filter, PipelineConfig, Reranker } from './pipeline/types.ts';
import type { RankerHolder } from './ranker-holder.ts';
import { authorDiversityReranker } from './rerankers/author-diversity.reranker.ts';
import { creatorExposureReranker } from './rerankers/creator-exposure.reranker.ts';
import { explorationSlotReranker } from './rerankers/exploration-slot.reranker.ts';
import { freshnessBoostReranker } from './rerankers/freshness-boost.reranker.ts';
import { fallbackScorer } from './scorers/fallback.scorer.ts';
import { modelScorer } from './scorers/model.scorer.ts';
import { recencyScorer } from './scorers/recency.scorer.ts';
import { topSelector } from './selector.ts';
import { exposureSideEffect } from './side-effects/exposure.side-effect.ts';
import { type ServedItemSink, serveLogSideEffect } from './side-effects/serve-log.side-effect.ts';
import { sessionSeenSideEffect } from './side-effects/session-seen.side-effect.ts';

/** What the feed pipelines are built from. `featureStore` is optional: without it, history-based parts are left out. */
export interface FeedParts {
  metadata: SqlExecutor;
  cache: Cache;
  catalog: Catalog;
  ranker: RankerHolder;
  featureStore?: FeatureStore;
  serveLog?: ServedItemSink;
  sessionTtlMs: () => number;
  random?: () => number;
}

/** For You's retrieval sources, in the order their candidates are merged. */
export function forYouSources(p: Pick<FeedParts, 'cache' | 'catalog' | 'random'>): CandidateSource[] {
  return [
    twoTowerSource,
    followingSource(p.catalog),
    trendingSource(p.cache),
    similarSource({ seeds: (q) => q.settings.sources.similar.seeds }),
    freshSource(p.catalog, p.cache),
    exploreSource(p.catalog, p.random),
    interestsSource(p.catalog),
    popularSource(p.catalog),
  ];
}

/** For You's filters: what the viewer must not or need not see. */
export const FOR_YOU_FILTERS: readonly Filter[] = [
  alreadySeenFilter,
  notReadyFilter,
  privacyFilter,
  blockedFilter,
  notInterestedFilter,
];

/** For You's reranking rules, applied in order after scoring. */
export const FOR_YOU_RERANKERS: readonly Reranker[] = [
  creatorExposureReranker,
  freshnessBoostReranker,
  authorDiversityReranker,
  explorationSlotReranker,
];

const withStore = <T>(fs: FeatureStore | undefined, make: (fs: FeatureStore) => T): T[] => (fs ? [make(fs)] : []);

/** For You: every retrieval source, hydrated features, safety filters, the ranker + value model, and reranking rules. */
export function forYouPipeline(p: FeedParts): PipelineConfig {
  return {
    id: 'for_you',
    queryHydrators: [
      socialGraphHydrator(p.metadata),
      negativeFeedbackHydrator(p.metadata),
      interestsHydrator(p.metadata),
      ...withStore(p.featureStore, historyHydrator),
    ],
    sources: forYouSources(p),
    hydrators: [
      liveStateHydrator(p.metadata),
      ...withStore(p.featureStore, featuresHydrator),
      exposureHydrator(p.cache),
    ],
    filters: FOR_YOU_FILTERS,
    scorer: modelScorer(p.ranker),
    fallbackScorer,
    rerankers: FOR_YOU_RERANKERS,
    selector: topSelector,
    sideEffects: [
      sessionSeenSideEffect(p.cache, p.sessionTtlMs),
      exposureSideEffect(p.cache),
      ...(p.serveLog ? [serveLogSideEffect(p.serveLog)] : []),
    ],
  };
}

/** Following: the followed creators' uploads, newest first, through the same safety filters. */
export function followingPipeline(p: FeedParts): PipelineConfig {
  return {
    id: 'following',
    queryHydrators: [socialGraphHydrator(p.metadata), negativeFeedbackHydrator(p.metadata)],
    sources: [followingSource(p.catalog)],
    hydrators: [liveStateHydrator(p.metadata)],
    // No history hydrator here, so already-seen only drops this session's served ids: the list stays chronological.
    filters: [alreadySeenFilter, notReadyFilter, privacyFilter, blockedFilter, notInterestedFilter],
    scorer: recencyScorer,
    fallbackScorer: recencyScorer,
    rerankers: [],
    selector: topSelector,
    sideEffects: [
      sessionSeenSideEffect(p.cache, p.sessionTtlMs),
      ...(p.serveLog ? [serveLogSideEffect(p.serveLog)] : []),
    ],
  };
}
