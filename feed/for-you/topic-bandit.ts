/**
 * Topic exploration: Thompson sampling over the viewer's hashtags, from the online interests alone
 * (no model). Each hashtag's evidence is what the viewer's last 50 views of it said (the sum of each
 * view's affinity, `signalsOf`: watch fraction, quick swipes, likes…) and how many of those views
 * carried it; the mean affinity per impression, shrunk to a prior (higher for a hashtag they picked at
 * sign-up), is the hashtag's estimated appeal. Each request draws one sample per hashtag from that
 * estimate's uncertainty: a hashtag shown a few times keeps a wide draw (it gets tried), one shown
 * often and swiped away sinks, one watched to the end rises after a handful of views. The fallback
 * scorer weighs every candidate by its hashtag's draw (and, with `ranker_weight`, so does a trained
 * ranker's score) and the interests source draws from the best drawn hashtags, so the first pages
 * spread over topics and the next ones follow what the viewer's watching says, instead of summed
 * affinities (which favour whatever was shown most) under a popularity factor. By default only the
 * cold start is served (`cold_impressions`); `warm` serves every viewer.
 */
import { z } from 'zod';
import { seededRandom } from '../../core/random.ts';
import type { SettingsTree } from '../pipeline/settings.ts';
import type { FeedQuery, TopicEvidence } from './types.ts';

/**
 * The bandit's settings in `experiments/feed.yaml`, under `sources.interests.bandit` (the interests
 * source owns them; the fallback scorer reads them too).
 */
export const TOPIC_BANDIT_SCHEMA = z
  .strictObject({
    /** How strongly a hashtag's draw moves the fallback value (log scale); 0 = off (summed affinities, as before). */
    weight: z.number().min(0).max(20).default(0),
    /** The prior mean affinity per impression of a hashtag the viewer has not seen. */
    prior: z.number().min(-3).max(3).default(0),
    /** The prior mean of a hashtag they picked at sign-up. */
    picked_prior: z.number().min(-3).max(3).default(0.8),
    /** The prior's weight, in impressions. */
    prior_views: z.number().positive().max(100).default(2),
    /** The spread of one impression's affinity (the draw's sd is this / √(impressions + prior_views)). */
    sd: z.number().min(0).max(10).default(1),
    /**
     * The fallback's popularity factor is raised to this power while the bandit is on: exposure counts
     * say little about this viewer, and at full strength they outweigh what their own views said.
     */
    popularity_power: z.number().min(0).max(1).default(1),
    /**
     * Without `warm`, the bandit serves only viewers with fewer recent impressions than this (the
     * feature store keeps the last 50), and the learned tags (summed affinity) serve the others.
     */
    cold_impressions: z.number().int().min(0).max(50).default(50),
    /**
     * Serve every viewer, past the cold start too. The evidence is the viewer's last 50 views either
     * way (affinity and impressions over the same views, `topicEvidenceOf`), so it stays an affinity per
     * impression however long the history, and follows a taste that moves.
     */
    warm: z.boolean().default(false),
    /**
     * How strongly a hashtag's draw moves a trained ranker's score, in the units of its log value (the
     * score gains the value model's ranker_weight × this × the draw, as the fallback's log value gains
     * `weight` × the draw); 0 = the ranker alone. The ranker learnt from logged impressions what
     * engages on average; the draw is what this viewer's own views said about the topic.
     */
    ranker_weight: z.number().min(0).max(20).default(0),
  })
  .prefault({});
export type TopicBanditSettings = z.infer<typeof TOPIC_BANDIT_SCHEMA>;

/** The bandit's settings in a bound tree; off (weight 0) where the tree has no interests source. */
export function banditSettings(tree: SettingsTree): TopicBanditSettings {
  const b = (tree.sources as { interests?: { bandit?: TopicBanditSettings } } | undefined)?.interests?.bandit;
  return b ?? TOPIC_BANDIT_SCHEMA.parse({});
}

/** A hashtag's posterior: mean affinity per impression and the evidence behind it (impressions + prior). */
export function topicPosterior(
  e: TopicEvidence | undefined,
  picked: boolean,
  s: TopicBanditSettings,
): { mean: number; views: number } {
  const prior = picked ? s.picked_prior : s.prior;
  const affinity = e?.affinity ?? 0;
  // Never fewer views than it takes to reach that affinity at about two units a view (evidence built
  // from summed affinities rather than from the same views).
  const shown = Math.max(e?.shown ?? 0, Math.abs(affinity) / 2);
  const views = shown + s.prior_views;
  return { mean: (affinity + prior * s.prior_views) / views, views };
}

/** One standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Whether the bandit serves this viewer: on, and either every viewer or their history still within the recent impressions. */
const serves = (query: FeedQuery, s: TopicBanditSettings) =>
  s.weight > 0 && (s.warm || query.viewer.recentImpressions.size < s.cold_impressions);

/** A request's draws: `of(tag)` is the hashtag's sampled appeal, drawn once per request and hashtag. */
export interface TopicDraws {
  weight: number;
  /** The draw's weight in a trained ranker's score (`ranker_weight`). */
  rankerWeight: number;
  popularityPower: number;
  of(tag: string): number;
  /**
   * The draw of a known hashtag (evidence or picked); for any other, the prior mean without a draw.
   * What a trained ranker's score adds: it explores only what the viewer's views or picks put in
   * play, and a viewer nothing is known about keeps the ranker's order.
   */
  ofKnown(tag: string): number;
  /** The known hashtags (evidence or picked), best draw first. */
  ranked(): string[];
}

const memo = new WeakMap<FeedQuery, TopicDraws | null>();

/**
 * The request's topic draws, or undefined when the bandit is off. Seeded by the viewer and the
 * request time, so a request is reproducible and the source and scorer of one request see the same draws.
 * @remarks Call after the query hydrators: it reads the viewer's topic evidence and picked interests.
 */
export function topicDraws(query: FeedQuery): TopicDraws | undefined {
  const cached = memo.get(query);
  if (cached !== undefined) return cached ?? undefined;
  const s = banditSettings(query.settings);
  if (!serves(query, s)) {
    memo.set(query, null);
    return undefined;
  }
  const random = seededRandom(hash(`${query.actor}@${query.nowMs}`));
  const picked = new Set(query.viewer.interests.map((t) => t.toLowerCase()));
  const evidence = query.viewer.topicEvidence;
  const draws = new Map<string, number>();
  const of = (tag: string) => {
    const t = tag.toLowerCase();
    let d = draws.get(t);
    if (d === undefined) {
      const p = topicPosterior(evidence.get(t), picked.has(t), s);
      d = p.mean + (s.sd / Math.sqrt(p.views)) * normal(random);
      draws.set(t, d);
    }
    return d;
  };
  // Draw the known hashtags first, in a fixed order, so a request's draws do not depend on candidate order.
  const known = [...new Set([...evidence.keys(), ...picked])].sort();
  for (const t of known) of(t);
  const knownSet = new Set(known);
  const out: TopicDraws = {
    weight: s.weight,
    rankerWeight: s.ranker_weight,
    popularityPower: s.popularity_power,
    of,
    ofKnown: (tag) => (knownSet.has(tag.toLowerCase()) ? of(tag) : s.prior),
    ranked: () => [...known].sort((a, b) => of(b) - of(a)),
  };
  memo.set(query, out);
  return out;
}

/** The hashtags ordered by posterior mean (no draw): what the scored list's cache key follows. */
export function topicLeaders(query: FeedQuery, n: number): string[] {
  const s = banditSettings(query.settings);
  if (!serves(query, s)) return [];
  const picked = new Set(query.viewer.interests.map((t) => t.toLowerCase()));
  const ev = query.viewer.topicEvidence;
  return [...ev.keys()]
    .map((t) => [t, topicPosterior(ev.get(t), picked.has(t), s).mean] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([t]) => t);
}

/** A video's topic draw: its best hashtag's (0 without hashtags). */
export function topicOf(tags: readonly string[], of: (tag: string) => number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const t of tags) best = Math.max(best, of(t));
  return Number.isFinite(best) ? best : 0;
}
