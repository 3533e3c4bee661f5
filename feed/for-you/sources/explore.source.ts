import type { Catalog } from '../../../retrieval/catalog.ts';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const EXPLORE_SETTINGS = slot('sources.explore', sourceBudgetSchema);

/**
 * Uniform-random videos from the whole catalogue. Each carries its propensity (quota / catalogue size,
 * the chance it was drawn) so logged pages support off-policy evaluation.
 */
export function exploreSource(catalog: Catalog, random: () => number = Math.random): CandidateSource {
  return {
    id: 'explore',
    settings: EXPLORE_SETTINGS,
    async fetch(_query, quota) {
      const all = catalog.all();
      const n = Math.min(quota, all.length);
      const picked = new Set<number>();
      while (picked.size < n) picked.add(Math.floor(random() * all.length));
      const propensity = n / Math.max(1, all.length);
      return [...picked].map((i) => ({ videoId: all[i]!.id, score: 0, propensity }));
    },
  };
}
