import { z } from 'zod';
import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import { dryTags } from '../reserve-policy.ts';
import { TOPIC_BANDIT_SCHEMA, topicDraws } from '../topic-bandit.ts';
import type { CandidateSource, FeedQuery } from '../types.ts';
import { globalList } from './global-list.ts';
import type { TagRanking } from './tag-quality.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const INTERESTS_SETTINGS = slot(
  'sources.interests',
  sourceBudgetSchema.extend({
    cold_history_max: z.number().int().min(0).default(5),
    /** For viewers past the cold start: how many of their strongest learned tags to draw from (0 = none). */
    learned_tags: z.number().int().min(0).max(8).default(0),
    /**
     * How a tag's videos are ordered: `long_view_rate` (how well each is received per impression,
     * shrunk to the global rate) or `popularity` (engagement counts, which grow with exposure).
     */
    order: z.enum(['long_view_rate', 'popularity']).default('long_view_rate'),
    /** Cold-start topic exploration (`topic-bandit.ts`): with a weight, the tags are the best drawn ones. */
    bandit: TOPIC_BANDIT_SCHEMA,
  }),
);

/** The newest videos per tag ordered by popularity (bounds the per-request sort on large tags). */
const POPULARITY_DEPTH = 500;

/**
 * The tags to draw from: the interests a cold viewer picked (little history), else the tags the
 * viewer's own engagement favours most (`learned_tags` of them, strongest first). A learned tag that
 * has run dry for the viewer (`reserve-policy.ts`) gives its place to the next strongest: when a loved
 * topic is exhausted the feed explores the neighbouring ones the viewer's engagement points to.
 * With the topic bandit on, the tags are the viewer's best drawn hashtags (picked or engaged, dry ones
 * left out): picked ones start with a higher prior and every view moves them.
 */
function tagsOf(query: FeedQuery, catalog: Catalog): string[] {
  const s = settingsOf(query.settings, INTERESTS_SETTINGS);
  const { interests, history, learnedTags } = query.viewer;
  const draws = topicDraws(query);
  if (draws) {
    const isDry = dryTags(query, catalog);
    return draws
      .ranked()
      .filter((t) => !isDry(t))
      .slice(0, Math.max(s.learned_tags, interests.length));
  }
  if (history.length <= s.cold_history_max && interests.length > 0) return interests;
  const isDry = dryTags(query, catalog);
  return learnedTags.filter((t) => !isDry(t)).slice(0, s.learned_tags);
}

/** How long a tag's popularity order is shared by every viewer before it is sorted again. */
const TAG_ORDER_MS = 5_000;

/**
 * Videos of the viewer's interests, the best of each tag in turn so every tag is represented: for
 * cold viewers the tags they picked; for the others the tags their engagement favours. Within a tag,
 * the best received first (`order: long_view_rate`, from `ranking` when the feature store is wired),
 * so a viewer's strongest topics supply that topic's best videos, not merely its most shown; else
 * the most popular first. A tag's popularity order (its newest 500) is the same for everyone, so it is
 * sorted at most every 5 s.
 */
export function interestsSource(
  catalog: Catalog,
  opts: { maxAgeMs?: number; ranking?: TagRanking } = {},
): CandidateSource {
  const byPopularity = globalList(
    async (tag) =>
      catalog
        .byTag(tag)
        .slice(0, POPULARITY_DEPTH)
        .sort((a, b) => popularity(b) - popularity(a)),
    { maxAgeMs: opts.maxAgeMs ?? TAG_ORDER_MS },
  );
  const { ranking } = opts;
  return {
    id: 'interests',
    settings: INTERESTS_SETTINGS,
    async fetch(query, quota) {
      const tags = tagsOf(query, catalog);
      if (tags.length === 0) return [];
      const { order } = settingsOf(query.settings, INTERESTS_SETTINGS);
      const lists = await Promise.all(
        tags.map((t) =>
          ranking && order === 'long_view_rate' ? ranking(t, query.nowMs) : byPopularity(t, query.nowMs, undefined),
        ),
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
