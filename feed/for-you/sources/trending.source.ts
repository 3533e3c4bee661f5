import type { Cache } from '../../../core/cache/ports.ts';
import { TRENDING_KEY } from '../../../platform/engagement/consumers/features.consumer.ts';
import type { CandidateSource } from '../types.ts';

/** The highest engagement-velocity videos, from the sorted set the features consumer maintains. */
export function trendingSource(cache: Cache): CandidateSource {
  return {
    id: 'trending',
    async fetch(_query, quota) {
      const top = await cache.zRevRange(TRENDING_KEY, 0, quota - 1);
      return top.map((e) => ({ videoId: e.member, score: e.score }));
    },
  };
}
