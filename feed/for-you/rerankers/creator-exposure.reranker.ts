import { partition } from '../filters/partition.ts';
import type { Reranker } from '../types.ts';

/** Drops creators already served more than the hourly cap, so one viral creator cannot take every feed. */
export const creatorExposureReranker: Reranker = {
  id: 'creator_exposure_cap',
  rerank(query, candidates) {
    const cap = query.settings.rerank.creator_exposure_cap_per_hour;
    return partition(candidates, (c) => (c.authorExposure ?? 0) < cap);
  },
};
