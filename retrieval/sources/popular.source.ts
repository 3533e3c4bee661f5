import type { CandidateSource } from '../../ranking/pipeline/types.ts';
import { type Catalog, popularity } from '../catalog.ts';

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
