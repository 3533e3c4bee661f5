import { z } from 'zod';
import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource, FeedQuery } from '../types.ts';
import { globalList } from './global-list.ts';

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

/** How long a tag's popularity order is shared by every viewer before it is sorted again. */
const TAG_ORDER_MS = 5_000;

/**
 * Videos of the viewer's interests, taking the most popular of each tag in turn so every tag is
 * represented: for cold viewers the tags they picked; for the others the tags their engagement
 * favours, so a viewer's strongest topics keep supplying their best-received videos. A tag's order
 * (its newest 500 by popularity) is the same for everyone, so it is sorted at most every 5 s.
 */
export function interestsSource(catalog: Catalog, opts: { maxAgeMs?: number } = {}): CandidateSource {
  // The newest 500 per tag bound the sort on large tags.
  const byPopularity = globalList(
    async (tag) =>
      catalog
        .byTag(tag)
        .slice(0, 500)
        .sort((a, b) => popularity(b) - popularity(a)),
    { maxAgeMs: opts.maxAgeMs ?? TAG_ORDER_MS },
  );
  return {
    id: 'interests',
    settings: INTERESTS_SETTINGS,
    async fetch(query, quota) {
      const tags = tagsOf(query);
      if (tags.length === 0) return [];
      const lists = await Promise.all(tags.map((t) => byPopularity(t, query.nowMs, undefined)));
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
