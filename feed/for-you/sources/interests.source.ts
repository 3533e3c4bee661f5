import { z } from 'zod';
import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource, FeedQuery } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const INTERESTS_SETTINGS = slot(
  'sources.interests',
  sourceBudgetSchema.extend({
    cold_history_max: z.number().int().min(0).default(5),
    /** For viewers past the cold start: how many of their strongest learned tags to draw from (0 = none). */
    learned_tags: z.number().int().min(0).max(8).default(0),
  }),
);

/**
 * The tags to draw from: the interests a cold viewer picked (little history), else the tags the
 * viewer's own engagement favours most (`learned_tags` of them, strongest first).
 */
function tagsOf(query: FeedQuery): string[] {
  const s = settingsOf(query.settings, INTERESTS_SETTINGS);
  const { interests, history, learnedTags } = query.viewer;
  if (history.length <= s.cold_history_max && interests.length > 0) return interests;
  return learnedTags.slice(0, s.learned_tags);
}

/**
 * Videos of the viewer's interests, taking the most popular of each tag in turn so every tag is
 * represented: for cold viewers the tags they picked; for the others the tags their engagement
 * favours, so a viewer's strongest topics keep supplying their best-received videos.
 */
export function interestsSource(catalog: Catalog): CandidateSource {
  return {
    id: 'interests',
    settings: INTERESTS_SETTINGS,
    async fetch(query, quota) {
      const tags = tagsOf(query);
      if (tags.length === 0) return [];
      // The newest 500 per tag bound the per-request sort on large tags.
      const lists = tags.map((t) =>
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
