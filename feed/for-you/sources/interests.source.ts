import { z } from 'zod';
import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const INTERESTS_SETTINGS = slot(
  'sources.interests',
  sourceBudgetSchema.extend({ cold_history_max: z.number().int().min(0).default(5) }),
);

/**
 * For cold viewers (little history): videos tagged with the interests they picked, taking the most
 * popular of each tag in turn so every chosen tag is represented.
 */
export function interestsSource(catalog: Catalog): CandidateSource {
  return {
    id: 'interests',
    settings: INTERESTS_SETTINGS,
    async fetch(query, quota) {
      const { interests, history } = query.viewer;
      if (interests.length === 0 || history.length > settingsOf(query.settings, INTERESTS_SETTINGS).cold_history_max)
        return [];
      // The newest 500 per tag bound the per-request sort on large tags.
      const lists = interests.map((t) =>
        catalog
          .byTag(t)
          .slice(0, 500)
          .sort((a, b) => popularity(b) - popularity(a)),
      );
      const seen = new Set<string>();
      const hits = [];
      for (let round = 0; hits.length < quota; round++) {
        let any = false;
        for (const list of lists) {
          const v = list[round];
          if (!v) continue;
          any = true;
          if (seen.has(v.id)) continue;
          seen.add(v.id);
          hits.push({ videoId: v.id, score: 1 / (1 + round) });
          if (hits.length >= quota) break;
        }
        if (!any) break;
      }
      return hits;
    },
  };
}
