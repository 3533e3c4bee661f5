import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const POPULAR_SETTINGS = slot('sources.popular', sourceBudgetSchema);

/** All-time most engaged videos from the catalogue: the safety net when nothing else retrieves. */
export function popularSource(catalog: Catalog): CandidateSource {
  return {
    id: 'popular',
    settings: POPULAR_SETTINGS,
    async fetch(_query, quota) {
      return catalog
        .popular()
        .slice(0, quota)
        .map((v) => ({ videoId: v.id, score: popularity(v) }));
    },
  };
}
