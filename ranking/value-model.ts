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

/** One candidate's value and the terms it is made of (weight × prediction, per head). */
export interface ValueBreakdown {
  value: number;
  terms: Record<string, number>;
}

/**
 * The value of showing an item: Σ weight(head) × prediction(head). Heads without a weight, and weights
 * without a prediction, contribute nothing, so a model with fewer heads still scores.
 */
export function valueBreakdown(heads: Readonly<Record<string, number>>, weights: ValueWeights): ValueBreakdown {
  let value = 0;
  const terms: Record<string, number> = {};
  for (const [head, w] of Object.entries(weights)) {
    const p = heads[head];
    if (p === undefined || !Number.isFinite(p)) continue;
    terms[head] = w * p;
    value += w * p;
  }
  return { value, terms };
}
