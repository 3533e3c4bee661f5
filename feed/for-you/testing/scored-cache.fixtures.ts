import type { CatalogVideo } from '../../../retrieval/catalog.ts';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import { alreadySeenFilter } from '../filters/already-seen.filter.ts';
import { catalogCandidates, SAFETY_FILTERS } from '../pipelines.ts';
import { fallbackScorer } from '../scorers/fallback.scorer.ts';
import { topSelector } from '../selector.ts';
import type { CandidateSource, PipelineConfig, Scorer } from '../types.ts';
import { video } from './fixtures.ts';

/** A catalogue of 60 videos `v0`..`v59`, as the scored-list tests use it. */
export function sixtyVideos() {
  const videos = new Map<string, CatalogVideo>(Array.from({ length: 60 }, (_, i) => [`v${i}`, video(`v${i}`)]));
  return { videos, catalog: { get: (id: string) => videos.get(id) } };
}

/** The `popular` source over those 60 videos, best first; `onFetch` counts its calls. */
export function sixtyPopular(onFetch: () => void): CandidateSource {
  return {
    id: 'popular',
    settings: slot('sources.popular', sourceBudgetSchema),
    fetch: async (_q, quota) => {
      onFetch();
      return Array.from({ length: Math.min(quota, 60) }, (_, i) => ({ videoId: `v${i}`, score: -i }));
    },
  };
}

/** A For You pipeline of one source, the seen and safety filters and a scored-list cache. */
export function scoredListPipeline(
  catalog: { get: (id: string) => CatalogVideo | undefined },
  source: CandidateSource,
  scoredCache: PipelineConfig['scoredCache'],
  scorer: Scorer = fallbackScorer,
): PipelineConfig {
  return {
    id: 'for_you',
    ...catalogCandidates(catalog),
    queryHydrators: [],
    sources: [source],
    hydrators: [],
    filters: [alreadySeenFilter, ...SAFETY_FILTERS],
    scorer,
    fallbackScorer,
    rerankers: [],
    selector: topSelector,
    sideEffects: [],
    scoredCache,
  };
}
