import { FEATURE_NAMES } from '../../../feature-store/definitions.ts';
import { combinedScore } from '../../../ranking/value-model.ts';
import { popularity } from '../../../retrieval/catalog.ts';
import { settingsOf } from '../../pipeline/settings.ts';
import { positiveSeeds } from '../sources/history.ts';
import { topicDraws, topicOf } from '../topic-bandit.ts';
import type { Scorer } from '../types.ts';
import { VALUE_MODEL_SETTINGS } from './value-model.settings.ts';

const AUTHOR_AFFINITY = FEATURE_NAMES.indexOf('x_author_affinity');
const TAG_AFFINITY = FEATURE_NAMES.indexOf('x_tag_affinity_mean');
const LONG_RATE = FEATURE_NAMES.indexOf('v_long_rate_7d');
/** What a hashtag the viewer picked at sign-up counts as, until their own engagement says something. */
const PICKED_TAG_AFFINITY = 1;
/** The least a long-view rate counts (a platform with no views yet has a global rate of 0). */
const MIN_QUALITY = 0.05;
/** Recency halves the score every three days. */
const RECENCY_HALF_LIFE_MS = 72 * 3_600_000;

/**
 * The scorer used when no ranker is loaded or it fails: popularity × recency × how well the video is
 * received (its long-view rate per impression, shrunk to the global rate: popularity alone counts
 * exposure), times the viewer's affinity to the creator and tags (signed: a topic they swipe away counts
 * against it) when features were hydrated, so a like reshapes the next page even without a model; a
 * viewer with nothing engaged yet gets the tags they picked. With the topic bandit on
 * (`topic-bandit.ts`), the tag term is the weight × the request's draw of the video's best hashtag
 * instead (mean affinity per impression with its uncertainty, picked tags a higher prior), so the
 * personal signal is not swamped by popularity and unexplored topics keep a chance. Combined with the
 * retrieval prior like the ranker's value; its terms are recorded.
 */
export const fallbackScorer: Scorer = {
  id: 'fallback',
  settings: VALUE_MODEL_SETTINGS,
  version: () => 'fallback-v1',
  async score(query, candidates) {
    const { combine } = settingsOf(query.settings, VALUE_MODEL_SETTINGS);
    const picked = positiveSeeds(query.viewer.history, 1).length === 0 ? new Set(query.viewer.interests) : undefined;
    const draws = topicDraws(query);
    for (const c of candidates) {
      const pop = (1 + Math.log1p(popularity(c.video))) ** (draws?.popularityPower ?? 1);
      const recency = 2 ** (-Math.max(0, query.nowMs - c.video.createdAt) / RECENCY_HALF_LIFE_MS);
      const f = c.features;
      const pick = picked && c.video.hashtags.some((t) => picked.has(t.toLowerCase())) ? PICKED_TAG_AFFINITY : 0;
      const author = f ? (f[AUTHOR_AFFINITY] ?? 0) : 0;
      const aff = draws
        ? Math.max(-2, Math.min(3, author)) + draws.weight * topicOf(c.video.hashtags, draws.of)
        : f
          ? Math.max(-2, Math.min(3, author + 0.5 * (f[TAG_AFFINITY] ?? 0) + pick))
          : pick;
      const affinity = Math.exp(aff);
      const quality = f ? Math.max(MIN_QUALITY, f[LONG_RATE] ?? 0) : 1;
      const value = pop * (0.2 + recency) * quality * affinity;
      c.score = combinedScore(c.prior ?? 0, value, combine);
      c.valueTerms = { popularity: pop, recency, quality, affinity, value, prior: c.prior ?? 0 };
    }
  },
};
