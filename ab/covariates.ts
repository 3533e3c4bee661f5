/**
 * The pre-exposure facts multi-covariate CUPED (`regression.ts`) adjusts a per-user metric by: only what
 * the platform's logs knew when the user was first served under an arm, so no covariate can depend on
 * the arm. From the user's engagement over the pre-period (the `preDays` days before the start):
 *  - the metric itself over the whole pre-period (classic CUPED's X), over its last day (activity wanders
 *    from day to day, so the latest day predicts the next ones best), and log(1 + X) (a few heavy users
 *    make X's relation with Y concave; the log lets the fit follow it without redefining Y);
 *  - sessions and active days in the pre-period, and whether the user was active on its last day (a
 *    user who stopped coming before the start mostly stays away);
 *  - how long the user has been known: hours between the first event in the window and the start (0 for
 *    one who arrived after it), capped at the pre-period;
 *  - how long the user has been in the experiment at the look: hours from the exposure to the look. The
 *    exposure is the first page served under the arm, so its moment is fixed before the arm acts; a user
 *    who entered late has had less time to watch;
 *  - the expected amount so far, rate × time: the pre-period metric per day known (and the last day's)
 *    times the days from the exposure to the look. A sum over the experiment grows with both a user's
 *    rate and their time in it, a product no linear term in the two alone can follow.
 * Never post-exposure data: every other event counted here is before the start.
 */
import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import { aggregate, DAY_MS } from './aggregate.ts';
import type { UserAggregate } from './config.ts';

const HOUR_MS = 3_600_000;

/** Names of the covariates, in the order of `covariatesOf`'s vector. */
export const COVARIATE_NAMES = [
  'pre_metric',
  'pre_metric_last_day',
  'log1p_pre_metric',
  'pre_sessions',
  'pre_active_days',
  'active_last_pre_day',
  'hours_known_before_start',
  'hours_exposed_at_look',
  'pre_rate_x_days_exposed',
  'last_day_x_days_exposed',
] as const;

/** A user as the covariates need them: pre-period events and the moment of exposure. */
export interface CovariateUser {
  exposedAt: number;
  pre: readonly PlatformEngagementEvent[];
}

/**
 * The covariate vector of one user for `metric` (an aggregate) at the look `asOf`, the experiment
 * having started at `start` after a pre-period of `preDays` days.
 */
export function covariatesOf(
  u: CovariateUser,
  metric: UserAggregate,
  o: { start: number; preDays: number; asOf: number },
): number[] {
  const preStart = o.start - o.preDays * DAY_MS;
  const all = aggregate(u.pre, preStart, o.start);
  const lastDay = aggregate(u.pre, Math.max(preStart, o.start - DAY_MS), o.start);
  let first = o.start;
  for (const e of u.pre) if (e.timeMs >= preStart && e.timeMs < first) first = e.timeMs;
  const exposedH = Math.max(0, o.asOf - u.exposedAt) / HOUR_MS;
  const knownH = (o.start - first) / HOUR_MS;
  return [
    all[metric],
    lastDay[metric],
    Math.log1p(Math.max(0, all[metric])),
    all.sessions,
    all.active_days,
    lastDay.impressions > 0 ? 1 : 0,
    knownH,
    exposedH,
    (all[metric] / Math.max(1, knownH / 24)) * (exposedH / 24),
    lastDay[metric] * (exposedH / 24),
  ];
}
