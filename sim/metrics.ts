import { Rng } from './rng.ts';

/** Items a user must have been served before "after warm-up" metrics count (the first page). Every
 * served item counts, watched or not: a feed is judged by what it offered. */
export const WARM_UP_ITEMS = 10;

/** One user's ground truth on one simulated day. */
export interface DayTruth {
  served: number;
  affinitySum: number;
  /** Items served after the user's first `WARM_UP_ITEMS`, and their affinity. */
  warmServed: number;
  warmAffinitySum: number;
  /** Sum over sessions of (oracle mean affinity − served mean affinity) × items: regret against the best unseen items. */
  regretSum: number;
  sessions: number;
  watchMs: number;
  /** Active this day with a next day in the run (a return was possible), and whether it happened. */
  returnChance: boolean;
  returned: boolean;
  /** Served items that were under one hour old when served. */
  freshServed: number;
  /** Items served again (seen before), and their affinity as experienced. */
  repeats: number;
  likes: number;
}

/** Ground truth gathered for one user over the run, day by day. */
export interface UserTruth {
  user: number;
  arm: string;
  days: DayTruth[];
  /** Affinity of the first 20 items the user was served (the "first 20 items"). */
  first20: number[];
}

function newDay(): DayTruth {
  return {
    served: 0,
    affinitySum: 0,
    warmServed: 0,
    warmAffinitySum: 0,
    regretSum: 0,
    sessions: 0,
    watchMs: 0,
    returnChance: false,
    returned: false,
    freshServed: 0,
    repeats: 0,
    likes: 0,
  };
}

/** An empty record. */
export function newTruth(user: number, arm: string): UserTruth {
  return { user, arm, days: [], first20: [] };
}

/** The record of `day`, created on first use. */
export function dayOf(t: UserTruth, day: number): DayTruth {
  while (t.days.length <= day) t.days.push(newDay());
  return t.days[day]!;
}

/** The sum of a user's days in [from, to). */
export function sumDays(t: UserTruth, from = 0, to = Number.POSITIVE_INFINITY): DayTruth {
  const s = newDay();
  t.days.forEach((d, i) => {
    if (i < from || i >= to) return;
    for (const k of Object.keys(s) as (keyof DayTruth)[]) {
      if (typeof s[k] === 'number') (s[k] as number) += d[k] as number;
      else (s[k] as boolean) ||= d[k] as boolean;
    }
  });
  return s;
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

/** Two-sided 97.5 % quantiles of Student's t for 1..10 degrees of freedom (then the normal's). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** One estimate over several seeds (each seed a different draw of the world's users, catalogue and behaviour). */
export interface SeedsEstimate extends Estimate {
  seeds: number;
  /** Each seed's estimate, in seed order (never only the best). */
  per_seed: Estimate[];
  /** Student's t interval over the seeds' means: the spread between worlds drawn with different seeds. */
  between_seeds_ci95: [number, number];
}

/**
 * The mean of per-seed estimates; `ci95` combines the seeds' own intervals (each seed's standard error
 * read from its 95 % interval, the mean's as √Σse² / k: users are sampled independently in each seed),
 * `between_seeds_ci95` is the t interval over the seeds' means (wide with 3 seeds; the stricter one).
 */
export function overSeeds(per: readonly Estimate[]): SeedsEstimate {
  const k = per.length;
  const m = mean(per.map((e) => e.mean));
  const se = Math.sqrt(per.reduce((s, e) => s + ((e.ci95[1] - e.ci95[0]) / 3.92) ** 2, 0)) / k;
  const sd = k > 1 ? Math.sqrt(per.reduce((s, e) => s + (e.mean - m) ** 2, 0) / (k - 1)) : Number.NaN;
  const t = T975[k - 2] ?? 1.96;
  return {
    mean: m,
    ci95: [m - 1.96 * se, m + 1.96 * se],
    seeds: k,
    per_seed: [...per],
    between_seeds_ci95: [m - (t * sd) / Math.sqrt(k), m + (t * sd) / Math.sqrt(k)],
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
  /** The same after each user's first page (WARM_UP_ITEMS). */
  warm_affinity: Estimate;
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
  /** Share of impressions that re-served a video the user had seen. */
  repeat_share: number;
  sessions: number;
  impressions: number;
}

/**
 * One arm's report from its users' ground truth over days [from, to) and its creator exposure counts
 * over the same days. Return rate counts a day when a next day was in the run.
 */
export function armReport(
  truths: readonly UserTruth[],
  creatorExposure: readonly number[],
  days: { from?: number; to?: number } = {},
): ArmReport {
  const sums = truths.map((t) => ({ t, d: sumDays(t, days.from, days.to) }));
  const chances = truths.map((t) => t.days.slice(days.from ?? 0, days.to).filter((d) => d.returnChance));
  const served = sums.filter((x) => x.d.served > 0);
  const impressions = served.reduce((s, x) => s + x.d.served, 0);
  return {
    users: served.length,
    true_affinity: bootstrap(served.map((x) => x.d.affinitySum / x.d.served)),
    warm_affinity: bootstrap(served.filter((x) => x.d.warmServed > 0).map((x) => x.d.warmAffinitySum / x.d.warmServed)),
    first20_affinity: bootstrap(served.map((x) => mean(x.t.first20))),
    regret: bootstrap(served.map((x) => x.d.regretSum / x.d.served)),
    watch_time_per_session_s: bootstrap(
      served.filter((x) => x.d.sessions > 0).map((x) => x.d.watchMs / 1000 / x.d.sessions),
    ),
    return_rate: bootstrap(
      chances.filter((c) => c.length > 0).map((c) => c.filter((d) => d.returned).length / c.length),
    ),
    exposure_gini: gini(creatorExposure),
    fresh_share: impressions > 0 ? served.reduce((s, x) => s + x.d.freshServed, 0) / impressions : 0,
    repeat_share: impressions > 0 ? served.reduce((s, x) => s + x.d.repeats, 0) / impressions : 0,
    sessions: served.reduce((s, x) => s + x.d.sessions, 0),
    impressions,
  };
}
