/**
 * Off-policy evaluation: the value of a candidate policy estimated from logs of another (the
 * exploration slot's uniformly random picks, with their logged propensities), before the candidate is
 * shown to anyone. IPS (inverse propensity scoring), SNIPS (self-normalised IPS) and doubly robust
 * (a reward model plus an IPS correction of its errors), each with a normal 95 % interval.
 */
import { meanEstimate, ratioEstimate } from './stats.ts';

/** One logged decision. */
export interface LoggedDecision {
  /** Probability the logging policy gave the action it took. */
  propensity: number;
  reward: number;
  /** Probability the candidate policy gives that same action. */
  target: number;
  /** The reward model's prediction for the logged action (doubly robust only). */
  predicted?: number;
  /** The reward model's expectation under the candidate policy, Σₐ π(a|x)·q̂(x, a) (doubly robust only). */
  predictedUnderTarget?: number;
}

/** An estimate of the candidate's mean reward per decision. */
export interface OpeEstimate {
  estimate: number;
  se: number;
  ci95: [number, number];
}

const est = (mean: number, variance: number): OpeEstimate => {
  const se = Math.sqrt(variance);
  return { estimate: mean, se, ci95: [mean - 1.959964 * se, mean + 1.959964 * se] };
};

/** IPS: mean of (π/μ)·r. Unbiased; its variance grows with the weights. */
export function ips(logs: readonly LoggedDecision[]): OpeEstimate {
  const m = meanEstimate(logs.map((l) => (l.target / l.propensity) * l.reward));
  return est(m.mean, m.varianceOfMean);
}

/** SNIPS: Σ w·r / Σ w, a ratio (delta-method variance); slightly biased, far steadier than IPS. */
export function snips(logs: readonly LoggedDecision[]): OpeEstimate {
  const w = logs.map((l) => l.target / l.propensity);
  const r = ratioEstimate(
    logs.map((l, i) => w[i]! * l.reward),
    w,
  );
  return est(r.mean, r.varianceOfMean);
}

/** Doubly robust: q̂ under π plus (π/μ)·(r − q̂); unbiased if either the propensities or the model are right. */
export function doublyRobust(logs: readonly LoggedDecision[]): OpeEstimate {
  const m = meanEstimate(
    logs.map((l) => {
      if (l.predicted === undefined || l.predictedUnderTarget === undefined)
        throw new Error('doubly robust needs predicted and predictedUnderTarget on every decision');
      return l.predictedUnderTarget + (l.target / l.propensity) * (l.reward - l.predicted);
    }),
  );
  return est(m.mean, m.varianceOfMean);
}
