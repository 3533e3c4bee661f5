import type { Scorer } from '../types.ts';

/** Newest first: the Following feed's order. */
export const recencyScorer: Scorer = {
  id: 'recency',
  version: () => 'recency-v1',
  async score(_query, candidates) {
    for (const c of candidates) c.score = c.video.createdAt;
  },
};
