import type { Cache } from '../../../core/cache/ports.ts';
import { TRENDING_KEY } from '../../../feature-store/trending.ts';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const TRENDING_SETTINGS = slot('sources.trending', sourceBudgetSchema);

/** The highest engagement-velocity videos, from the sorted set the features consumer maintains. */
export function trendingSource(cache: Cache): CandidateSource {
  return {
    id: 'trending',
    settings: TRENDING_SETTINGS,
    async fetch(_query, quota) {
      const top = await cache.zRevRange(TRENDING_KEY, 0, quota - 1);
      return top.map((e) => ({ videoId: e.member, score: e.score }));
    },
  };
}
