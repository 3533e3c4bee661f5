import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import { queryVectorOf } from '../query-vector.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const TWO_TOWER_SETTINGS = slot('sources.two_tower', sourceBudgetSchema);

/**
 * Two-tower retrieval: embeds the viewer (query tower over online features and recent history, once
 * per request) and searches the ANN snapshot the request holds. Viewers with nothing to embed get no
 * candidates here.
 */
export const twoTowerSource: CandidateSource = {
  id: 'two_tower',
  settings: TWO_TOWER_SETTINGS,
  async fetch(query, quota) {
    const s = query.index;
    if (!s) return [];
    const v = await queryVectorOf(query);
    if (!v) return [];
    const res = s.index.search(v, quota);
    const hits = [];
    for (let i = 0; i < res.keys.length; i++) {
      const id = s.ids[res.keys[i]!];
      if (id !== undefined) hits.push({ videoId: id, score: res.scores[i]! });
    }
    return hits;
  },
};
