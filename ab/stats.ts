/**
 * The statistics of an A/B analysis, as pure functions over per-user values: Welch's test on per-user
 * means, the delta method for ratio metrics, CUPED, the sample-ratio-mismatch test, Benjamini–Hochberg,
 * and a group-sequential design (Lan–DeMets O'Brien–Fleming alpha spending) that makes looking at an
 * experiment while it runs safe. Each is checked against published or hand-worked values in stats.test.ts.
 */
import { chiSquareSf, normalCdf, normalQuantile, studentTQuantile, studentTTwoSided } from './distributions.ts';

/** Mean and unbiased variance. */
export function meanVar(xs: ArrayLike<number>): { n: number; mean: number; variance: number } {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  const mean = n ? s / n : Number.NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - mean) ** 2;
  return { n, mean, variance: n > 1 ? ss / (n - 1) : Number.NaN };
}

/** Unbiased covariance of two equally long arrays. */
export function covariance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = meanVar(x).mean;
  const my = meanVar(y).mean;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mx) * (y[i]! - my);
  return x.length > 1 ? s / (x.length - 1) : Number.NaN;
}

/** An arm's estimate of a metric: its mean and the variance of that mean. */
export interface ArmEstimate {
  n: number;
  mean: number;
  /** Variance of `mean` (not of a single user's value). */
  varianceOfMean: number;
  /** Degrees of freedom of the variance (n − 1; large for delta-method estimates). */
  df: number;
}

/** Per-user mean of a metric: each user one value. */
export function meanEstimate(values: ArrayLike<number>): ArrayEstimateWithSd {
  const { n, mean, variance } = meanVar(values);
  return { n, mean, varianceOfMean: variance / n, df: n - 1, sd: Math.sqrt(variance) };
}
type ArrayEstimateWithSd = ArmEstimate & { sd: number };

/**
 * A ratio metric Σnumerator / Σdenominator over users (e.g. long views per impression), whose unit of
 * analysis (the impression) is not the unit of randomisation (the user). The delta method gives the
 * variance of the ratio of means: Var(Ȳ/X̄) ≈ (σ²_Y − 2R·σ_XY + R²·σ²_X) / (n·μ²_X), R = Ȳ/X̄.
 */
export function ratioEstimate(num: ArrayLike<number>, den: ArrayLike<number>): ArrayEstimateWithSd {
  const y = meanVar(num);
  const x = meanVar(den);
  const cxy = covariance(den, num);
  const r = y.mean / x.mean;
  const v = (y.variance - 2 * r * cxy + r * r * x.variance) / (y.n * x.mean * x.mean);
  return { n: y.n, mean: r, varianceOfMean: v, df: y.n - 1, sd: Math.sqrt(v * y.n) };
}

/** The comparison of a treatment with the control. */
export interface Comparison {
  control: number;
  treatment: number;
  /** treatment − control. */
  diff: number;
  /** Standard error of `diff`. */
  se: number;
  /** diff / control. */
  relative: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  t: number;
  /** Two-sided, fixed-horizon. */
  p: number;
  /** 95 % (or 1 − alpha) confidence interval of `diff`. */
  ci: [number, number];
}

/**
 * Welch's unequal-variances t-test of treatment − control, with the Welch–Satterthwaite degrees of
 * freedom ν = (v₁ + v₂)² / (v₁²/(n₁−1) + v₂²/(n₂−1)), vᵢ the variance of arm i's mean.
 */
export function welch(control: ArmEstimate, treatment: ArmEstimate, alpha = 0.05): Comparison {
  const v1 = control.varianceOfMean;
  const v2 = treatment.varianceOfMean;
  const se = Math.sqrt(v1 + v2);
  const diff = treatment.mean - control.mean;
  const df = (v1 + v2) ** 2 / (v1 ** 2 / control.df + v2 ** 2 / treatment.df);
  const t = diff / se;
  const q = studentTQuantile(1 - alpha / 2, df);
  return {
    control: control.mean,
    treatment: treatment.mean,
    diff,
    se,
    relative: diff / control.mean,
    df,
    t,
    p: studentTTwoSided(t, df),
    ci: [diff - q * se, diff + q * se],
  };
}

/** CUPED: the metric adjusted by a pre-experiment covariate, and how much variance that removed. */
export interface Cuped {
  theta: number;
  /** Adjusted values, one per user, in the order given. */
  adjusted: Float64Array;
  /** 1 − Var(adjusted) / Var(original) = ρ² of metric and covariate. */
  varianceReduction: number;
}

/**
 * CUPED (Deng, Xu, Kohavi & Walker 2013): Y' = Y − θ(X − X̄) with θ = Cov(X, Y) / Var(X), X each user's
 * metric before the experiment. θ and X̄ come from both arms pooled, so the adjustment is the same for
 * every arm and the difference of means stays unbiased; the variance falls by ρ²(X, Y). θ is the OLS
 * slope of Y on X, the value that minimises Var(Y − θX) (Deng et al., section 3.2); estimating it on
 * the experiment's own users adds a bias of order 1/n, negligible at these sizes. A user without a
 * pre-period has X = 0: pooled over arms, that group is shifted equally in each.
 */
export function cuped(y: ArrayLike<number>, x: ArrayLike<number>): Cuped {
  const vx = meanVar(x);
  const vy = meanVar(y);
  const theta = vx.variance > 0 ? covariance(x, y) / vx.variance : 0;
  const adjusted = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) adjusted[i] = y[i]! - theta * (x[i]! - vx.mean);
  const va = meanVar(adjusted).variance;
  return { theta, adjusted, varianceReduction: vy.variance > 0 ? 1 - va / vy.variance : 0 };
}

/**
 * p-value below which the sample ratio test flags a mismatch and pauses the experiment: 1e-5.
 * Published practice is a per-test bar of 0.001 (GrowthBook's default, Kohavi, Tang & Xu 2020) or
 * 0.0005 (Microsoft's ExP, Fabijan et al. 2019). Here the test is not run once: every `status` look
 * runs it and acts on it (`--watch 300` looks every 5 minutes), so a healthy experiment is tested
 * hundreds of times over its life, and each false alarm pauses it. 1e-5 is 0.001 shared (Bonferroni)
 * over 100 looks, which keeps the chance of ever pausing a healthy experiment near 0.001 however often
 * one looks (`bench:experiments` measures it). It costs nothing where bucketing bugs matter: a 52/48
 * split of 50,000 users gives χ² ≈ 80 (p ≈ 1e-19); it needs about 40,000 users to be flagged with
 * certainty at either bar. In experiments of a few hundred users only gross imbalances are flagged;
 * the report always prints χ² and p.
 */
export const SRM_THRESHOLD = 1e-5;

/** Result of the sample-ratio-mismatch test. */
export interface Srm {
  chi2: number;
  df: number;
  p: number;
  /** p below the threshold (`SRM_THRESHOLD` by default): the assignment or exposure logging is broken. */
  mismatch: boolean;
}

/**
 * Pearson's chi-square goodness-of-fit test of observed users per arm against the configured weights.
 * A mismatch means users were lost or moved unevenly, so no effect estimate can be trusted.
 */
export function srm(observed: readonly number[], weights: readonly number[], threshold = SRM_THRESHOLD): Srm {
  const total = observed.reduce((a, b) => a + b, 0);
  const wsum = weights.reduce((a, b) => a + b, 0);
  let chi2 = 0;
  observed.forEach((o, i) => {
    const e = (total * weights[i]!) / wsum;
    if (e > 0) chi2 += (o - e) ** 2 / e;
  });
  const df = observed.length - 1;
  const p = total > 0 ? chiSquareSf(chi2, df) : 1;
  return { chi2, df, p, mismatch: p < threshold };
}

/** Benjamini–Hochberg adjusted p-values (q-values), in the order given. */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const q = new Array<number>(m);
  let min = 1;
  for (let k = m - 1; k >= 0; k--) {
    const { p, i } = order[k]!;
    min = Math.min(min, (p * m) / (k + 1));
    q[i] = min;
  }
  return q;
}

/** α spent by information fraction t under the Lan–DeMets O'Brien–Fleming-type spending function (two-sided). */
export function obfSpending(t: number, alpha = 0.05): number {
  if (t <= 0) return 0;
  // Each side spends the one-sided function 2 − 2Φ(z_{1−α/4}/√t) of α/2.
  return 4 - 4 * normalCdf(normalQuantile(1 - alpha / 4) / Math.sqrt(Math.min(1, t)));
}

const GRID = 801;

/** Density of Z_k on a grid of the continuation region, carried from look to look. */
interface Carried {
  z: Float64Array;
  f: Float64Array;
  /** Information fraction of the look the density belongs to. */
  t: number;
}

function trapezoidWeights(z: Float64Array): Float64Array {
  const w = new Float64Array(z.length);
  for (let i = 0; i + 1 < z.length; i++) {
    const h = (z[i + 1]! - z[i]!) / 2;
    w[i]! += h;
    w[i + 1]! += h;
  }
  return w;
}

/** P(|Z_k| > b) jointly with having continued so far, from the previous look's density (drift θ per √t). */
function crossing(prev: Carried | undefined, t: number, b: number, drift: number): number {
  const mean = drift * Math.sqrt(t);
  if (!prev) return normalCdf(-b - mean) + 1 - normalCdf(b - mean);
  const dt = t - prev.t;
  const sd = Math.sqrt(dt);
  const w = trapezoidWeights(prev.z);
  let s = 0;
  for (let i = 0; i < prev.z.length; i++) {
    // S_k = S_{k−1} + N(θ·Δt, Δt) on the score scale S = Z·√t.
    const m = prev.z[i]! * Math.sqrt(prev.t) + drift * dt;
    const up = 1 - normalCdf((b * Math.sqrt(t) - m) / sd);
    const down = normalCdf((-b * Math.sqrt(t) - m) / sd);
    s += w[i]! * prev.f[i]! * (up + down);
  }
  return s;
}

function carry(prev: Carried | undefined, t: number, b: number, drift: number): Carried {
  const z = new Float64Array(GRID);
  const f = new Float64Array(GRID);
  for (let j = 0; j < GRID; j++) z[j] = -b + (2 * b * j) / (GRID - 1);
  if (!prev) {
    const mean = drift * Math.sqrt(t);
    for (let j = 0; j < GRID; j++) f[j] = Math.exp(-0.5 * (z[j]! - mean) ** 2) / Math.sqrt(2 * Math.PI);
    return { z, f, t };
  }
  const dt = t - prev.t;
  const sd = Math.sqrt(dt);
  const w = trapezoidWeights(prev.z);
  for (let j = 0; j < GRID; j++) {
    const s = z[j]! * Math.sqrt(t);
    let acc = 0;
    for (let i = 0; i < prev.z.length; i++) {
      const m = prev.z[i]! * Math.sqrt(prev.t) + drift * dt;
      const u = (s - m) / sd;
      acc += w[i]! * prev.f[i]! * Math.exp(-0.5 * u * u);
    }
    // Change of variables from S_k to Z_k: dS = √t dZ.
    f[j] = (acc * Math.sqrt(t)) / (sd * Math.sqrt(2 * Math.PI));
  }
  return { z, f, t };
}

/**
 * Two-sided group-sequential boundaries on the z scale for looks at information fractions `ts`
 * (increasing, last ≤ 1), each spending α(t_k) − α(t_{k−1}) of `spend` (default Lan–DeMets
 * O'Brien–Fleming). Computed by recursive numerical integration (Armitage, McPherson & Rowe 1969;
 * Jennison & Turnbull 2000, ch. 19). Stopping at look k when |Z_k| > b_k keeps the chance of any false
 * rejection, however many of the planned looks are taken, at alpha.
 */
export function sequentialBoundaries(
  ts: readonly number[],
  alpha = 0.05,
  spend: (t: number, alpha: number) => number = obfSpending,
): number[] {
  const key = spend === obfSpending ? `${alpha}:${ts.join(',')}` : undefined;
  const hit = key ? boundaryMemo.get(key) : undefined;
  if (hit) return [...hit];
  const out: number[] = [];
  let prev: Carried | undefined;
  let spent = 0;
  for (const t of ts) {
    const target = spend(t, alpha) - spent;
    let b: number;
    if (target <= 1e-12) b = 12;
    else {
      let lo = 0;
      let hi = 12;
      for (let i = 0; i < 50; i++) {
        const mid = (lo + hi) / 2;
        if (crossing(prev, t, mid, 0) > target) lo = mid;
        else hi = mid;
      }
      b = (lo + hi) / 2;
    }
    spent += crossing(prev, t, b, 0);
    out.push(b);
    prev = carry(prev, t, b, 0);
  }
  if (key) boundaryMemo.set(key, out);
  return [...out];
}
const boundaryMemo = new Map<string, number[]>();
const inflationMemo = new Map<string, number>();

/** The chance of crossing constant-or-given boundaries at any look when Z drifts by `drift`·√t (drift = effect / se at t = 1). */
export function sequentialRejectProbability(ts: readonly number[], bounds: readonly number[], drift: number): number {
  let prev: Carried | undefined;
  let p = 0;
  ts.forEach((t, k) => {
    p += crossing(prev, t, bounds[k]!, drift);
    prev = carry(prev, t, bounds[k]!, drift);
  });
  return p;
}

/**
 * How much larger a sequential design with looks at `ts` must be than a fixed-horizon test for the
 * same power (the sample-size inflation factor; ≈1.03 for 5 equally spaced O'Brien–Fleming looks).
 */
export function sequentialInflation(ts: readonly number[], alpha = 0.05, power = 0.8): number {
  const key = `${alpha}:${power}:${ts.join(',')}`;
  const hit = inflationMemo.get(key);
  if (hit !== undefined) return hit;
  const bounds = sequentialBoundaries(ts, alpha);
  const fixed = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  let lo = fixed * 0.9;
  let hi = fixed * 1.5;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (sequentialRejectProbability(ts, bounds, mid) < power) lo = mid;
    else hi = mid;
  }
  const f = ((lo + hi) / 2 / fixed) ** 2;
  inflationMemo.set(key, f);
  return f;
}

/**
 * Users per arm for a two-arm test to detect an absolute difference `mde` with `power` at two-sided
 * `alpha`, given the per-user standard deviation `sd` (after CUPED if used): n = 2(z₁₋α/₂ + z_power)²σ²/δ²,
 * times the sequential design's inflation factor.
 */
export function sampleSizePerArm(
  sd: number,
  mde: number,
  opts: { alpha?: number; power?: number; inflation?: number } = {},
): number {
  const za = normalQuantile(1 - (opts.alpha ?? 0.05) / 2);
  const zb = normalQuantile(opts.power ?? 0.8);
  return Math.ceil(((2 * (za + zb) ** 2 * sd * sd) / (mde * mde)) * (opts.inflation ?? 1));
}
