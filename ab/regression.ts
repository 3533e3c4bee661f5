/**
 * Multi-covariate CUPED (regression adjustment; Deng et al. 2013 section 3.3, Lin 2013): the metric
 * adjusted by several facts fixed before the user's exposure, Y' = Y − (X − X̄)ᵀβ with β the OLS
 * coefficients of Y on X, fitted on all arms pooled, as single-covariate CUPED's θ is. Pooled, the
 * adjustment is the same function of X in every arm, and X cannot depend on the arm (it is known before
 * the user was first served under it), so E[X̄_B − X̄_A] = 0 and the difference of adjusted means stays
 * unbiased for the difference of Y's means (up to the O(1/n) of estimating β on the same users). With one
 * covariate it is `cuped` exactly. The covariates of the analysis are in `covariates.ts`.
 */
import { type ArmEstimate, meanVar } from './stats.ts';

/** A regression adjustment: coefficients, adjusted values and the share of variance removed. */
export interface RegressionAdjustment {
  /** One coefficient per covariate (0 for one that is constant or a linear combination of earlier ones). */
  beta: number[];
  /** Adjusted values, one per user, in the order given; their mean is Y's mean. */
  adjusted: Float64Array;
  /** 1 − Var(adjusted) / Var(Y) = the in-sample R² of the regression. */
  varianceReduction: number;
  /** Covariates that entered (not constant, not collinear). */
  used: number;
  /**
   * Factor for the variance of an arm's adjusted mean, (n − 1)/(n − 1 − p) · (1 + p/n) with p = `used`:
   * the in-sample residual variance understates σ² by the p fitted slopes, and the slopes' own error
   * adds about p/n of it to the difference of adjusted means (homoscedastic OLS; 1.03 at p = 8, n = 600).
   */
  varianceInflation: number;
}

/** An arm's mean estimate with its variance scaled by a regression adjustment's `varianceInflation`. */
export function inflated<T extends ArmEstimate & { sd: number }>(e: T, factor: number): T {
  return { ...e, varianceOfMean: e.varianceOfMean * factor, sd: e.sd * Math.sqrt(factor) };
}

/**
 * Solves the symmetric system A β = b by Gauss–Jordan elimination, the covariates taken in order. A
 * pivot that has lost all but 1e-9 of its diagonal (a constant covariate, or one collinear with earlier
 * ones) leaves the model: its row and column are cleared and its β is 0, which solves the system of the rest.
 */
function solve(a: readonly (readonly number[])[], b: readonly number[]): { beta: number[]; used: number } {
  const p = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  const beta = new Array<number>(p).fill(0);
  let used = 0;
  for (let k = 0; k < p; k++) {
    const diag = a[k]![k]!;
    if (!(diag > 0) || !(Math.abs(m[k]![k]!) > 1e-9 * diag)) {
      for (let i = 0; i < p; i++) m[i]![k] = 0;
      m[k]!.fill(0);
      continue;
    }
    used++;
    for (let i = 0; i < p; i++) {
      if (i === k) continue;
      const f = m[i]![k]! / m[k]![k]!;
      if (f !== 0) for (let j = k; j <= p; j++) m[i]![j]! -= f * m[k]![j]!;
    }
  }
  for (let k = 0; k < p; k++) if (m[k]![k]! !== 0) beta[k] = m[k]![p]! / m[k]![k]!;
  return { beta, used };
}

/**
 * Y adjusted by the covariate rows `x` (x[i] the covariates of user i, all the same length): the OLS
 * slopes of the centred Y on the centred covariates, pooled over every user given.
 */
export function regressionAdjust(y: ArrayLike<number>, x: readonly (readonly number[])[]): RegressionAdjustment {
  const n = y.length;
  const p = n > 0 ? x[0]!.length : 0;
  const xm = new Array<number>(p).fill(0);
  let ym = 0;
  for (let i = 0; i < n; i++) {
    ym += y[i]!;
    for (let j = 0; j < p; j++) xm[j]! += x[i]![j]!;
  }
  ym /= Math.max(1, n);
  for (let j = 0; j < p; j++) xm[j]! /= Math.max(1, n);
  const sxx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const sxy = new Array<number>(p).fill(0);
  const d = new Array<number>(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) d[j] = x[i]![j]! - xm[j]!;
    const dy = y[i]! - ym;
    for (let j = 0; j < p; j++) {
      sxy[j]! += d[j]! * dy;
      for (let k = j; k < p; k++) sxx[j]![k]! += d[j]! * d[k]!;
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) sxx[j]![k] = sxx[k]![j]!;
  const { beta, used } = n > p + 1 ? solve(sxx, sxy) : { beta: new Array<number>(p).fill(0), used: 0 };
  const adjusted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += beta[j]! * (x[i]![j]! - xm[j]!);
    adjusted[i] = y[i]! - s;
  }
  const vy = meanVar(y).variance;
  const va = meanVar(adjusted).variance;
  const varianceInflation = used > 0 && n - 1 - used > 0 ? ((n - 1) / (n - 1 - used)) * (1 + used / n) : 1;
  return { beta, adjusted, varianceReduction: vy > 0 ? 1 - va / vy : 0, used, varianceInflation };
}
