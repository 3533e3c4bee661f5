import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import type { CandidateSource } from '../types.ts';

/** All-time most engaged videos from the catalogue: the safety net when nothing else retrieves. */
export function popularSource(catalog: Catalog): CandidateSource {
  return {
    id: 'popular',
    async fetch(_query, quota) {
      return catalog
        .popular()
        .slice(0, quota)
        .map((v) => ({ videoId: v.id, score: popularity(v) }));
    },
  };
}
