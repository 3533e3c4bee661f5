import { z } from 'zod';

/** Head weights of the value model; `hate` (not interested) must not be rewarded. */
export const valueWeightsSchema = z
  .record(z.string().regex(/^[A-Za-z_]{1,40}$/), z.number().min(-100).max(100))
  .refine((w) => Object.keys(w).length > 0, { message: 'at least one head weight is required' })
  .refine((w) => (w.hate ?? 0) <= 0 && (w.not_interested ?? 0) <= 0, {
    message: 'hate / not_interested weights must be zero or negative',
  });

/** Weight per head name. */
export type ValueWeights = z.infer<typeof valueWeightsSchema>;

/**
 * How the retrieval prior and the ranker's value are combined. The ranker learnt P(engage | shown) on
 * logged impressions only; whether the viewer would be shown (and pick) a video at all is what
 * retrieval models. The score is `retrieval_weight · prior + ranker_weight · ln(max(value, value_floor))`.
 */
export const combineSchema = z.object({
  retrieval_weight: z.number().min(0).max(100).default(1),
  /** The two-tower affinity (a cosine) is divided by this to become a logit, as in its training softmax. */
  retrieval_temperature: z.number().positive().max(10).default(0.07),
  /**
   * The same for an index without a trained query tower (content vectors searched with the mean of the
   * viewer's engaged videos): that cosine is a similarity of hashtags and creators, not the logit of a
   * trained softmax, so it is read at a softer temperature and quality evidence in the value can count.
   */
  content_temperature: z.number().positive().max(10).default(0.07),
  ranker_weight: z.number().min(0).max(100).default(1),
  value_floor: z.number().positive().max(1).default(0.001),
  /** Only this many candidates (best prior first) are hydrated and ranked; the rest cannot reach a page. */
  rank_top_n: z.number().int().min(1).max(5000).default(100),
  /** Besides them, each source's own best few, so following, fresh and trending always reach the ranker. */
  keep_per_source: z.number().int().min(0).max(500).default(10),
  /**
   * At most this many of one creator among the `rank_top_n` (0 = no cap): a page shows only a few per
   * creator, so a prior dominated by one creator's videos would otherwise fill the cut with videos the
   * page cannot use.
   */
  keep_per_author: z.number().int().min(0).max(5000).default(0),
});

/** The combination knobs. */
export type CombineSettings = z.infer<typeof combineSchema>;

/** One candidate's value and the terms it is made of (weight × prediction, per head). */
export interface ValueBreakdown {
  value: number;
  terms: Record<string, number>;
}

/**
 * The value of showing an item: Σ weight(head) × prediction(head). Heads without a weight, and weights
 * without a prediction, contribute nothing, so a model with fewer heads still scores.
 */
export function valueBreakdown(
  heads: Readonly<Record<string, number>>,
  weights: ValueWeights,
  /** `Object.entries(weights)`, when the caller scores many candidates with the same weights. */
  entries: readonly (readonly [string, number])[] = Object.entries(weights),
): ValueBreakdown {
  let value = 0;
  const terms: Record<string, number> = {};
  for (const [head, w] of entries) {
    const p = heads[head];
    if (p === undefined || !Number.isFinite(p)) continue;
    terms[head] = w * p;
    value += w * p;
  }
  return { value, terms };
}

/**
 * The final score of a candidate from its retrieval prior (a logit; 0 when unknown) and a value
 * (the ranker's weighted heads, or the fallback's popularity × affinity). A value at or below the
 * floor (a predicted "not interested") counts as the floor, so the log stays finite.
 */
export function combinedScore(prior: number, value: number, c: CombineSettings): number {
  const v = Number.isFinite(value) ? Math.max(value, c.value_floor) : c.value_floor;
  return c.retrieval_weight * prior + c.ranker_weight * Math.log(v);
}
