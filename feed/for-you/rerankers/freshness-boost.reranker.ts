import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import type { Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const FRESHNESS_BOOST_SETTINGS = slot(
  'rerankers.freshness_boost',
  z.strictObject({ boost: z.number().min(0).default(0.3), half_life_hours: z.number().positive().default(24) }),
);

/**
 * Lifts recent uploads by a factor 1 + boost·2^(−age/halfLife) of their value, then re-sorts. Scores
 * are log-domain (`combinedScore`), so the factor is added as its log: the same lift whatever the sign.
 * The factor is recorded on every item it moved.
 */
export const freshnessBoostReranker: Reranker = {
  id: 'freshness_boost',
  settings: FRESHNESS_BOOST_SETTINGS,
  rerank(query, candidates) {
    const { boost, half_life_hours: halfLifeH } = settingsOf(query.settings, FRESHNESS_BOOST_SETTINGS);
    if (boost <= 0) return { kept: candidates, removed: [] };
    for (const c of candidates) {
      const ageH = Math.max(0, query.nowMs - c.video.createdAt) / 3_600_000;
      const factor = 1 + boost * 2 ** (-ageH / halfLifeH);
      c.score += Math.log(factor);
      if (factor > 1.01) c.rules.push(`freshness_boost x${factor.toFixed(2)}`);
    }
    return { kept: [...candidates].sort((a, b) => b.score - a.score), removed: [] };
  },
};
