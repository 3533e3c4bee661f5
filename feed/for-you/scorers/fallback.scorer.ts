import { FEATURE_NAMES } from '../../../feature-store/definitions.ts';
import { combinedScore } from '../../../ranking/value-model.ts';
import { popularity } from '../../../retrieval/catalog.ts';
import { settingsOf } from '../../pipeline/settings.ts';
import type { Scorer } from '../types.ts';
import { VALUE_MODEL_SETTINGS } from './value-model.settings.ts';

const AUTHOR_AFFINITY = FEATURE_NAMES.indexOf('x_author_affinity');
const TAG_AFFINITY = FEATURE_NAMES.indexOf('x_tag_affinity_max');
/** Recency halves the score every three days. */
const RECENCY_HALF_LIFE_MS = 72 * 3_600_000;

/**
 * The scorer used when no ranker is loaded or it fails: popularity × recency, times the viewer's
 * affinity to the creator and tags when features were hydrated (so a like reshapes the next page even
 * without a model), combined with the retrieval prior like the ranker's value. Its terms are recorded.
 */
export const fallbackScorer: Scorer = {
  id: 'fallback',
  settings: VALUE_MODEL_SETTINGS,
  version: () => 'fallback-v1',
  async score(query, candidates) {
    const { combine } = settingsOf(query.settings, VALUE_MODEL_SETTINGS);
    for (const c of candidates) {
      const pop = 1 + Math.log1p(popularity(c.video));
      const recency = 2 ** (-Math.max(0, query.nowMs - c.video.createdAt) / RECENCY_HALF_LIFE_MS);
      const f = c.features;
      const aff = f ? Math.max(-2, Math.min(3, (f[AUTHOR_AFFINITY] ?? 0) + 0.5 * (f[TAG_AFFINITY] ?? 0))) : 0;
      const affinity = Math.exp(aff);
      const value = pop * (0.2 + recency) * affinity;
      c.score = combinedScore(c.prior ?? 0, value, combine);
      c.valueTerms = { popularity: pop, recency, affinity, value, prior: c.prior ?? 0 };
    }
  },
};
