import { Rng } from './rng.ts';

/** Ground truth gathered for one user over the run. */
export interface UserTruth {
  user: number;
  arm: string;
  served: number;
  affinitySum: number;
  /** Sum over sessions of (oracle mean affinity − served mean affinity) × items: regret against the best unseen items. */
  regretSum: number;
  /** Affinity of the first `WARM_ITEMS` items served after warm-up (the first day's first page excluded). */
  sessions: number;
  watchMs: number;
  /** Days on which a return was possible (active the day before) and days on which it happened. */
  returnChances: number;
  returns: number;
  /** Served items that were under one hour old when served. */
  freshServed: number;
  likes: number;
  /** Mean affinity of the first 20 items the user was served (the "first 20 items"). */
  first20: number[];
}

/** An empty record. */
export function newTruth(user: number, arm: string): UserTruth {
  return {
    user,
    arm,
    served: 0,
    affinitySum: 0,
    regretSum: 0,
    sessions: 0,
    watchMs: 0,
    returnChances: 0,
    returns: 0,
    freshServed: 0,
    likes: 0,
    first20: [],
  };
}

/** A mean and its 95 % interval. */
export interface Estimate {
  mean: number;
  ci95: [number, number];
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** Percentile bootstrap over users (resampling users, not items) of a per-user statistic's mean. */
export function bootstrap(values: readonly number[], iterations = 2000, seed = 7): Estimate {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return { mean: Number.NaN, ci95: [Number.NaN, Number.NaN] };
  const r = new Rng(seed);
  const means: number[] = [];
  for (let i = 0; i < iterations; i++) {
    let s = 0;
    for (let j = 0; j < xs.length; j++) s += xs[r.int(xs.length)]!;
    means.push(s / xs.length);
  }
  means.sort((a, b) => a - b);
  return { mean: mean(xs), ci95: [means[Math.floor(0.025 * iterations)]!, means[Math.floor(0.975 * iterations)]!] };
}

/**
 * A ratio of two groups' means (a / b − 1) with a bootstrap interval: each group resampled by user
 * independently (the groups are different users, randomised between arms).
 */
export function relativeLift(a: readonly number[], b: readonly number[], iterations = 2000, seed = 11): Estimate {
  const xa = a.filter(Number.isFinite);
  const xb = b.filter(Number.isFinite);
  if (xa.length === 0 || xb.length === 0) return { mean: Number.NaN, ci95: [Number.NaN, Number.NaN] };
  const r = new Rng(seed);
  const lifts: number[] = [];
  const resampledMean = (xs: readonly number[]) => {
    let s = 0;
    for (let j = 0; j < xs.length; j++) s += xs[r.int(xs.length)]!;
    return s / xs.length;
  };
  for (let i = 0; i < iterations; i++) lifts.push(resampledMean(xa) / resampledMean(xb) - 1);
  lifts.sort((x, y) => x - y);
  return {
    mean: mean(xa) / mean(xb) - 1,
    ci95: [lifts[Math.floor(0.025 * iterations)]!, lifts[Math.floor(0.975 * iterations)]!],
  };
}

/** Gini coefficient of non-negative counts (0 = equal exposure, → 1 = one creator gets everything). */
export function gini(counts: readonly number[]): number {
  const xs = [...counts].sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) weighted += (i + 1) * xs[i]!;
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

/** What one arm measured. */
export interface ArmReport {
  users: number;
  /** Mean true affinity of served items, per user then averaged (CI by bootstrap over users). */
  true_affinity: Estimate;
  /** Mean true affinity of each user's first 20 items. */
  first20_affinity: Estimate;
  /** Mean regret per served item against the oracle ranking of unseen items. */
  regret: Estimate;
  watch_time_per_session_s: Estimate;
  /** Share of next-day returns among the days a return was possible. */
  return_rate: Estimate;
  /** Gini of impressions over creators (every creator counted, also those never served). */
  exposure_gini: number;
  /** Share of impressions of videos under one hour old. */
  fresh_share: number;
  sessions: number;
  impressions: number;
}

/** One arm's report from its users' ground truth and its creator exposure counts. */
export function armReport(truths: readonly UserTruth[], creatorExposure: readonly number[]): ArmReport {
  const served = truths.filter((t) => t.served > 0);
  const impressions = served.reduce((s, t) => s + t.served, 0);
  return {
    users: truths.length,
    true_affinity: bootstrap(served.map((t) => t.affinitySum / t.served)),
    first20_affinity: bootstrap(served.map((t) => mean(t.first20))),
    regret: bootstrap(served.map((t) => t.regretSum / t.served)),
    watch_time_per_session_s: bootstrap(served.filter((t) => t.sessions > 0).map((t) => t.watchMs / 1000 / t.sessions)),
    return_rate: bootstrap(truths.filter((t) => t.returnChances > 0).map((t) => t.returns / t.returnChances)),
    exposure_gini: gini(creatorExposure),
    fresh_share: impressions > 0 ? served.reduce((s, t) => s + t.freshServed, 0) / impressions : 0,
    sessions: served.reduce((s, t) => s + t.sessions, 0),
    impressions,
  };
}
