import type { Cache } from '../../../core/cache/ports.ts';
import { TRENDING_KEY } from '../../../feature-store/trending.ts';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';
import { globalList } from './global-list.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const TRENDING_SETTINGS = slot('sources.trending', sourceBudgetSchema);

/**
 * The highest engagement-velocity videos, from the sorted set the features consumer maintains, read
 * once a second for every viewer (`globalList`).
 */
export function trendingSource(cache: Cache, opts: { maxAgeMs?: number } = {}): CandidateSource {
  const top = globalList(async (key) => {
    const entries = await cache.zRevRange(TRENDING_KEY, 0, Number(key) - 1);
    return entries.map((e) => ({ videoId: e.member, score: e.score }));
  }, opts);
  return {
    id: 'trending',
    settings: TRENDING_SETTINGS,
    async fetch(query, quota) {
      return top(String(quota), query.nowMs, undefined);
    },
  };
}
