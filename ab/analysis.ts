/**
 * From the platform's engagement log to an experiment's results. Exposure: a user enters the
 * experiment at their first impression after the start while the assignment puts them in an arm (the
 * feed serves that impression under the arm). Per user, the aggregates of `config.ts` are summed from
 * the exposure to the look, and over the pre-period before the start for CUPED. Then, per metric and
 * treatment arm: Welch's test on per-user means (CUPED-adjusted, on by default: a regression on the
 * user's pre-exposure facts of covariates.ts, or on the metric's own pre-period value alone) or the delta method for
 * ratios, the group-sequential boundary of the look, Benjamini–Hochberg over the metrics, the sample
 * ratio test and the guardrails.
 */
import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import { aggregate, DAY_MS, type ExposedUser } from './aggregate.ts';
import { type Assignable, armIndex, eligible } from './assign.ts';
import type { ExperimentFile, MetricDefinition, UserAggregate } from './config.ts';
import { covariatesOf } from './covariates.ts';
import type { Exposure } from './exposure.ts';
import { inflated, regressionAdjust } from './regression.ts';
import {
  type ArmEstimate,
  benjaminiHochberg,
  type Comparison,
  meanEstimate,
  ratioEstimate,
  type Srm,
  sampleSizePerArm,
  sequentialBoundaries,
  sequentialInflation,
  srm,
  welch,
} from './stats.ts';

export { aggregate, DAY_MS, type ExposedUser };

/**
 * The exposed users of an experiment: those of the exposure log, or, for data without one, signed-in
 * viewers (the log's user ids are actors, `u:<id>` or `d:<device>`) whose first impression in [start, end) falls in the experiment. Events before `start` within the
 * pre-period are kept for CUPED.
 */
export function exposedUsers(
  events: readonly PlatformEngagementEvent[],
  a: Assignable,
  window: { start: number; end: number; preDays: number },
  /** The logged exposures (`experiment_exposures`); when given, they decide who is in which arm since when. */
  exposures?: ReadonlyMap<string, Exposure>,
): ExposedUser[] {
  const preStart = window.start - window.preDays * DAY_MS;
  const byUser = new Map<string, PlatformEngagementEvent[]>();
  for (const e of events) {
    if (e.timeMs < preStart || e.timeMs >= window.end) continue;
    let l = byUser.get(e.userId);
    if (!l) {
      l = [];
      byUser.set(e.userId, l);
    }
    l.push(e);
  }
  const out: ExposedUser[] = [];
  const logged = exposures && exposures.size > 0 ? exposures : undefined;
  for (const [userId, list] of byUser) {
    // The log's user id is the actor (`u:<user id>` or `d:<device id>`), which assignment hashes.
    const actor = /^[ud]:/.test(userId) ? userId : `u:${userId}`;
    list.sort((x, y) => x.timeMs - y.timeMs);
    let arm: string;
    let exposedAt: number;
    if (logged) {
      const x = logged.get(actor);
      if (!x || x.at >= window.end) continue;
      arm = x.arm;
      exposedAt = x.at;
    } else {
      if (!eligible(a, actor)) continue;
      const first = list.find((e) => e.type === 'impression' && e.timeMs >= window.start);
      if (!first) continue;
      arm = a.experiment.arms[armIndex(a.experiment, actor)]!.name;
      exposedAt = first.timeMs;
    }
    out.push({
      userId,
      arm,
      exposedAt,
      events: list.filter((e) => e.timeMs >= window.start),
      pre: list.filter((e) => e.timeMs < window.start),
    });
  }
  return out.sort((x, y) => x.exposedAt - y.exposedAt || (x.userId < y.userId ? -1 : 1));
}

/** One metric's comparison of one treatment arm with control at a look. */
export interface MetricResult {
  metric: string;
  arm: string;
  kind: 'mean' | 'ratio';
  comparison: Comparison;
  /** Whether CUPED adjusted it, and the share of variance it removed. */
  cuped: boolean;
  variance_reduction: number;
  /** Sequential: the boundary of this look and whether |z| crossed it. */
  boundary: number;
  z: number;
  significant: boolean;
  /** diff ± boundary·se: valid however often one looks. */
  sequential_ci: [number, number];
  /** Benjamini–Hochberg over the experiment's primary and secondary metrics, per arm. */
  q: number;
  better: boolean;
  worse: boolean;
}

/** An experiment's analysis at one moment. */
export interface Analysis {
  experiment: string;
  as_of: number;
  start: number;
  end: number;
  information_fraction: number;
  looks: number[];
  boundaries: number[];
  exposures: Record<string, number>;
  srm: Srm;
  metrics: MetricResult[];
  guardrails: { metric: string; arm: string; tolerance: number; relative: number; breached: boolean }[];
  /** Users per arm the design needs to detect `mde` on the primary metric with the planned power. */
  recommended_users_per_arm: number;
  primary: string;
}

/** What to analyse. */
export interface AnalysisInput {
  experiment: ExperimentFile;
  metrics: Record<string, MetricDefinition>;
  users: readonly ExposedUser[];
  start: number;
  /** The moment of the look (now, or the stop). */
  asOf: number;
}

/** Information fractions of the planned looks passed by `t`, plus `t` itself. */
export function lookFractions(t: number, looks: number): number[] {
  // Past the planned end the information is complete: the last look is the final one.
  const now = Math.min(1, Math.max(t, 1e-3));
  const out: number[] = [];
  for (let k = 1; k <= looks; k++) if (k / looks < now - 1e-9) out.push(k / looks);
  out.push(now);
  return out;
}

function valuesOf(
  def: MetricDefinition,
  aggs: readonly Record<UserAggregate, number>[],
): { num: number[]; den: number[] } {
  if (def.kind === 'mean') return { num: aggs.map((a) => a[def.value]), den: [] };
  return { num: aggs.map((a) => a[def.numerator]), den: aggs.map((a) => a[def.denominator]) };
}

/** The analysis of an experiment at `asOf`. */
export function analyse(input: AnalysisInput): Analysis {
  const e = input.experiment;
  const an = e.analysis;
  const control = e.arms[0]!.name;
  const users = input.users.filter((u) => u.exposedAt < input.asOf);
  const t = (input.asOf - input.start) / (an.duration_days * DAY_MS);
  const looks = lookFractions(t, an.looks);
  const boundaries = sequentialBoundaries(looks, an.alpha);
  const b = boundaries[boundaries.length - 1]!;
  const exposures: Record<string, number> = Object.fromEntries(e.arms.map((a) => [a.name, 0]));
  for (const u of users) exposures[u.arm] = (exposures[u.arm] ?? 0) + 1;
  const ratio = srm(
    e.arms.map((a) => exposures[a.name]!),
    e.arms.map((a) => a.weight),
  );
  const aggs = users.map((u) => aggregate(u.events, u.exposedAt, input.asOf));
  const preStart = input.start - an.pre_period_days * DAY_MS;
  const pre = users.map((u) => aggregate(u.pre, preStart, input.start));
  const at = { start: input.start, preDays: an.pre_period_days, asOf: input.asOf };
  const covariateCache = new Map<UserAggregate, number[][]>();
  /** Each user's CUPED covariates for a metric's aggregate: its own pre-period value, or every pre-exposure fact. */
  const covariates = (value: UserAggregate): number[][] => {
    let c = covariateCache.get(value);
    if (!c) {
      c = an.cuped_covariates === 'metric' ? pre.map((p) => [p[value]]) : users.map((u) => covariatesOf(u, value, at));
      covariateCache.set(value, c);
    }
    return c;
  };
  const armOf = users.map((u) => u.arm);
  const names = [e.metrics.primary, ...e.metrics.secondary];
  const guardNames = e.metrics.guardrails.map((g) => g.metric);
  const all = [...new Set([...names, ...guardNames])];
  const results: MetricResult[] = [];
  let controlSd = Number.NaN;
  let controlMean = Number.NaN;
  for (const metric of all) {
    const def = input.metrics[metric]!;
    const { num, den } = valuesOf(def, aggs);
    for (const arm of e.arms.slice(1).map((a) => a.name)) {
      const idx = armOf.map((a, i) => (a === control || a === arm ? i : -1)).filter((i) => i >= 0);
      let est: (which: string) => ArmEstimate & { sd: number };
      let vr = 0;
      let usedCuped = false;
      if (def.kind === 'mean') {
        let y: Float64Array = Float64Array.from(idx.map((i) => num[i]!));
        let f = 1;
        if (an.cuped) {
          const cov = covariates(def.value);
          const c = regressionAdjust(
            y,
            idx.map((i) => cov[i]!),
          );
          y = c.adjusted;
          f = c.varianceInflation;
          // The share of variance removed net of what fitting the slopes costs.
          vr = 1 - (1 - c.varianceReduction) * f;
          usedCuped = true;
        }
        est = (which) => inflated(meanEstimate(y.filter((_, j) => armOf[idx[j]!] === which)), f);
      } else
        est = (which) => {
          const ii = idx.filter((i) => armOf[i] === which);
          return ratioEstimate(
            ii.map((i) => num[i]!),
            ii.map((i) => den[i]!),
          );
        };
      const ce = est(control);
      const te = est(arm);
      const comparison = welch(ce, te, an.alpha);
      if (metric === e.metrics.primary && Number.isNaN(controlSd)) {
        controlSd = ce.sd;
        controlMean = ce.mean;
      }
      const z = comparison.diff / comparison.se;
      const significant = Math.abs(z) > b;
      results.push({
        metric,
        arm,
        kind: def.kind,
        comparison,
        cuped: usedCuped,
        variance_reduction: vr,
        boundary: b,
        z,
        significant,
        sequential_ci: [comparison.diff - b * comparison.se, comparison.diff + b * comparison.se],
        q: Number.NaN,
        better: significant && comparison.diff > 0 === def.higher_is_better,
        worse: significant && comparison.diff > 0 !== def.higher_is_better,
      });
    }
  }
  for (const arm of e.arms.slice(1).map((a) => a.name)) {
    const rs = results.filter((r) => r.arm === arm && names.includes(r.metric));
    const q = benjaminiHochberg(rs.map((r) => r.comparison.p));
    rs.forEach((r, i) => {
      r.q = q[i]!;
    });
  }
  const guardrails = e.metrics.guardrails.flatMap((g) =>
    results
      .filter((r) => r.metric === g.metric)
      .map((r) => {
        const harm = input.metrics[g.metric]!.higher_is_better ? -r.comparison.relative : r.comparison.relative;
        return {
          metric: g.metric,
          arm: r.arm,
          tolerance: g.tolerance,
          relative: r.comparison.relative,
          breached: r.worse && harm > g.tolerance,
        };
      }),
  );
  const planned = an.looks > 1 ? Array.from({ length: an.looks }, (_, k) => (k + 1) / an.looks) : [1];
  const recommended =
    Number.isFinite(controlSd) && controlMean !== 0
      ? sampleSizePerArm(controlSd, Math.abs(controlMean) * an.mde, {
          alpha: an.alpha,
          power: an.power,
          inflation: sequentialInflation(planned, an.alpha, an.power),
        })
      : Number.NaN;
  return {
    experiment: e.name,
    as_of: input.asOf,
    start: input.start,
    end: input.asOf,
    information_fraction: Math.min(1, t),
    looks,
    boundaries,
    exposures,
    srm: ratio,
    metrics: results,
    guardrails,
    recommended_users_per_arm: recommended,
    primary: e.metrics.primary,
  };
}
