/**
 * Checks of the analysis on real per-user data: A/A experiments by re-randomising one arm's users
 * (false positives with and without the sequential boundaries), power by resampling two arms at a given
 * size, and sample-ratio checks against injected bucketing bugs. Used by `npm run bench:experiments`.
 */
import { unitHash } from './assign.ts';
import { inflated, regressionAdjust } from './regression.ts';
import { meanEstimate, sequentialBoundaries, srm, welch } from './stats.ts';

/**
 * One user at each look: the metric accumulated so far (NaN before their exposure) and the pre-period
 * value; with `covariates` (one vector per look, ab/covariates.ts), CUPED regresses on those instead.
 */
export interface UserLooks {
  id: string;
  pre: number;
  looks: number[];
  covariates?: number[][];
}

/**
 * z of B − A at look k (Welch on per-user values; when `useCuped`, CUPED pooled over both groups: on the
 * users' covariate vectors when they have them, else on `pre` alone).
 */
export function zAtLook(a: readonly UserLooks[], b: readonly UserLooks[], k: number, useCuped: boolean): number {
  return testAtLook(a, b, k, useCuped).z;
}

/** z and standard error of B − A at look k. */
export function testAtLook(
  a: readonly UserLooks[],
  b: readonly UserLooks[],
  k: number,
  useCuped: boolean,
): { z: number; se: number } {
  const ia = a.filter((u) => Number.isFinite(u.looks[k]!));
  const ib = b.filter((u) => Number.isFinite(u.looks[k]!));
  if (ia.length < 2 || ib.length < 2) return { z: 0, se: Number.POSITIVE_INFINITY };
  let ya = ia.map((u) => u.looks[k]!);
  let yb = ib.map((u) => u.looks[k]!);
  let f = 1;
  if (useCuped) {
    const x = [...ia, ...ib].map((u) => u.covariates?.[k] ?? [u.pre]);
    const c = regressionAdjust([...ya, ...yb], x);
    ya = [...c.adjusted.subarray(0, ya.length)];
    yb = [...c.adjusted.subarray(ya.length)];
    f = c.varianceInflation;
  }
  const w = welch(inflated(meanEstimate(ya), f), inflated(meanEstimate(yb), f));
  return { z: w.se > 0 ? w.diff / w.se : 0, se: w.se };
}

/** Whether a test over all looks rejects: sequentially (|z_k| > b_k at some k) and naively (|z_k| > 1.96 at some k). */
export function looksReject(
  a: readonly UserLooks[],
  b: readonly UserLooks[],
  bounds: readonly number[],
  useCuped: boolean,
): { sequential: boolean; naive: boolean; fixed: boolean; byInformation: boolean; zFinal: number } {
  let sequential = false;
  let naive = false;
  const tests = bounds.map((_, k) => testAtLook(a, b, k, useCuped));
  tests.forEach((t, k) => {
    if (Math.abs(t.z) > bounds[k]!) sequential = true;
    if (Math.abs(t.z) > 1.959964) naive = true;
  });
  const last = tests[tests.length - 1]!;
  // The same test with looks placed at their observed information (1/se²) instead of calendar time.
  const info = tests.map((t) => Math.min(1, Math.max(1e-3, (last.se * last.se) / (t.se * t.se))));
  const monotone = info.every((x, i) => i === 0 || x > info[i - 1]!);
  const ib = monotone ? sequentialBoundaries(info.map((x) => Math.round(x * 1000) / 1000)) : bounds;
  const byInformation = tests.some((t, k) => Math.abs(t.z) > ib[k]!);
  return { sequential, naive, fixed: Math.abs(last.z) > 1.959964, byInformation, zFinal: last.z };
}

/** `runs` A/A experiments: the users split in half by a fresh salt each time. */
export function aaRuns(users: readonly UserLooks[], runs: number, bounds: readonly number[], useCuped = true) {
  let seq = 0;
  let naive = 0;
  let fixed = 0;
  let byInformation = 0;
  let srmAlarms = 0;
  for (let r = 0; r < runs; r++) {
    const a: UserLooks[] = [];
    const b: UserLooks[] = [];
    for (const u of users) (unitHash(`aa-${r}`, u.id) < 0.5 ? a : b).push(u);
    const t = looksReject(a, b, bounds, useCuped);
    if (t.sequential) seq++;
    if (t.naive) naive++;
    if (t.fixed) fixed++;
    if (t.byInformation) byInformation++;
    if (srm([a.length, b.length], [1, 1]).mismatch) srmAlarms++;
  }
  return {
    runs,
    false_positive_rate: seq / runs,
    naive_false_positive_rate: naive / runs,
    /** One test at the last look only: the level of the underlying test on this data. */
    fixed_horizon_false_positive_rate: fixed / runs,
    /** Sequential with looks at their observed information (1/se²) instead of calendar time. */
    information_time_false_positive_rate: byInformation / runs,
    srm_false_alarm_rate: srmAlarms / runs,
  };
}

/** A seeded uniform generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of `runs` experiments of `n` users per arm (drawn with replacement) in which the sequential test finds B ≠ A in the direction of the true difference. */
export function powerRuns(
  control: readonly UserLooks[],
  treatment: readonly UserLooks[],
  n: number,
  runs: number,
  bounds: readonly number[],
  useCuped = true,
  seed = 1,
): number {
  const rand = mulberry32(seed);
  const draw = (xs: readonly UserLooks[]) => Array.from({ length: n }, () => xs[Math.floor(rand() * xs.length)]!);
  const trueSign = Math.sign(zAtLook(control, treatment, bounds.length - 1, useCuped));
  let hits = 0;
  for (let r = 0; r < runs; r++) {
    const a = draw(control);
    const b = draw(treatment);
    let k = 0;
    for (; k < bounds.length; k++) {
      const z = zAtLook(a, b, k, useCuped);
      if (Math.abs(z) > bounds[k]!) {
        if (Math.sign(z) === trueSign) hits++;
        break;
      }
    }
  }
  return hits / runs;
}

/** Detection rate of a bucketing bug: `runs` populations of `n` ids bucketed with `buggyWeights`, tested against `weights`. */
export function srmDetection(n: number, runs: number, buggyWeights: readonly number[], weights: readonly number[]) {
  const total = buggyWeights.reduce((a, b) => a + b, 0);
  let detected = 0;
  for (let r = 0; r < runs; r++) {
    const counts = new Array<number>(buggyWeights.length).fill(0);
    for (let i = 0; i < n; i++) {
      let x = unitHash(`srm-${r}`, `u:${r}-${i}`) * total;
      let k = 0;
      while (k < buggyWeights.length - 1 && x >= buggyWeights[k]!) x -= buggyWeights[k++]!;
      counts[k]!++;
    }
    if (srm(counts, weights).mismatch) detected++;
  }
  return detected / runs;
}

/**
 * Healthy experiments watched continuously: `runs` experiments of `n` users arriving one by one into
 * two equal arms, the sample ratio tested after every `n / looks` users; the share of experiments paused
 * at least once, per threshold.
 */
export function srmMonitoring(
  n: number,
  looks: number,
  runs: number,
  thresholds: readonly number[],
  seed = 7,
): Record<string, number> {
  const rand = mulberry32(seed);
  const paused = thresholds.map(() => 0);
  for (let r = 0; r < runs; r++) {
    const hit = thresholds.map(() => false);
    let a = 0;
    for (let k = 1; k <= looks; k++) {
      const upTo = Math.round((n * k) / looks);
      const from = Math.round((n * (k - 1)) / looks);
      for (let i = from; i < upTo; i++) if (rand() < 0.5) a++;
      const p = srm([a, upTo - a], [1, 1]).p;
      thresholds.forEach((t, j) => {
        if (p < t) hit[j] = true;
      });
    }
    hit.forEach((h, j) => {
      if (h) paused[j]!++;
    });
  }
  return Object.fromEntries(thresholds.map((t, j) => [String(t), paused[j]! / runs]));
}
