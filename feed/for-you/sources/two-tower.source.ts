import { z } from 'zod';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import { queryVectorOf } from '../query-vector.ts';
import type { CandidateSource } from '../types.ts';

/**
 * This source's settings in `experiments/feed.yaml`. `model_version` pins the retrieval model (the
 * two-tower's ANN index and query tower) to a registered version instead of production: an experiment
 * arm's model version, loaded on demand beside production (the feed service picks the request's index).
 */
export const TWO_TOWER_SETTINGS = slot(
  'sources.two_tower',
  z.strictObject({ ...sourceBudgetSchema.shape, model_version: z.string().min(1).nullable().default(null) }),
);

/**
 * The names the two-tower source's hits carry: `two_tower` when the index came with a trained query
 * tower, `history_mean` when it did not (a content-only index searched with the mean of the viewer's
 * engaged videos), so `explain` never names a two-tower model that is not loaded.
 */
export const TWO_TOWER_LABELS = { model: 'two_tower', historyMean: 'history_mean' } as const;

/**
 * Two-tower retrieval: embeds the viewer (query tower over online features and recent history, once
 * per request) and searches the ANN snapshot the request holds. Viewers with nothing to embed get no
 * candidates here.
 */
export const twoTowerSource: CandidateSource = {
  id: 'two_tower',
  settings: TWO_TOWER_SETTINGS,
  label: (query) => (query.index?.queryTower ? TWO_TOWER_LABELS.model : TWO_TOWER_LABELS.historyMean),
  async fetch(query, quota) {
    const s = query.index;
    if (!s) return [];
    const v = await queryVectorOf(query);
    if (!v) return [];
    return s.search(v, quota);
  },
};
