/**
 * The statistics every offline figure is reported with: a mean over seeds with its 95 % interval
 * (Student t), and paired bootstrap intervals over users for the difference between two models.
 * Pure functions; the resampling is seeded so reports are reproducible.
 */
import { seededRandom } from '../../core/random.ts';

/** A mean with its two-sided 95 % interval. */
export interface Estimate {
  mean: number;
  ci95: [number, number];
  n: number;
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5 % quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  return T975[df - 1] ?? 1.96;
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/**
 * Mean over runs (e.g. seeds) with a t interval: mean ± t(n-1) · sd / √n. One run gives a zero-width
 * interval at its value, flagged by `n = 1`, so a single seed is never mistaken for a spread.
 */
export function seedEstimate(values: readonly number[]): Estimate {
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { mean: m, ci95: [m, m], n };
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  const half = (tQuantile975(n - 1) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n);
  return { mean: m, ci95: [m - half, m + half], n };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Options of the bootstrap: resamples, seed, and per-unit weights (e.g. impressions, for a GAUC). */
export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  weights?: ArrayLike<number>;
}

/**
 * Percentile bootstrap of a (weighted) mean over units (users, requests): resample units with
 * replacement. With weights, each resample's statistic is Σ w·x / Σ w.
 */
export function bootstrapMean(values: ArrayLike<number>, opts: BootstrapOptions = {}): Estimate {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ci95: [Number.NaN, Number.NaN], n: 0 };
  const w = opts.weights;
  if (w && w.length !== n) throw new Error(`bootstrapMean: ${n} values but ${w.length} weights`);
  const weighted = (pick: (i: number) => number) => {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const j = pick(i);
      const wj = w ? w[j]! : 1;
      s += wj * values[j]!;
      sw += wj;
    }
    return sw > 0 ? s / sw : Number.NaN;
  };
  const m = weighted((i) => i);
  const b = opts.resamples ?? 1000;
  const rand = seededRandom(opts.seed ?? 12345);
  const means = new Float64Array(b);
  for (let r = 0; r < b; r++) means[r] = weighted(() => Math.floor(rand() * n));
  means.sort();
  return { mean: m, ci95: [percentile(means, 0.025), percentile(means, 0.975)], n };
}

/**
 * Paired bootstrap of mean(a - b) over units: `a[i]` and `b[i]` are the same user's metric under two
 * models, so the interval reflects only how the models differ, not how users differ.
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, opts: BootstrapOptions = {}): Estimate {
  if (a.length !== b.length) throw new Error(`pairedBootstrap: ${a.length} vs ${b.length} paired values`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i]! - b[i]!;
  return bootstrapMean(d, opts);
}

/** Per-unit mean of several runs (e.g. one user's recall averaged over seeds), aligned by index. */
export function averageRuns(runs: readonly ArrayLike<number>[]): Float64Array {
  if (runs.length === 0) return new Float64Array(0);
  const n = runs[0]!.length;
  const out = new Float64Array(n);
  for (const r of runs) {
    if (r.length !== n) throw new Error(`averageRuns: runs of ${n} and ${r.length} units`);
    for (let i = 0; i < n; i++) out[i] = out[i]! + r[i]! / runs.length;
  }
  return out;
}

/** `0.3370 [0.3290, 0.3450]` with `d` decimals. */
export function formatEstimate(e: Estimate, d = 4): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  return `${f(e.mean)} [${f(e.ci95[0])}, ${f(e.ci95[1])}]`;
}

/** Rounded for JSON results: `{ mean, ci95, n }` with `d` decimals. */
export function roundEstimate(e: Estimate, d = 5): Estimate {
  const r = (v: number) => Number(v.toFixed(d));
  return { mean: r(e.mean), ci95: [r(e.ci95[0]), r(e.ci95[1])], n: e.n };
}
