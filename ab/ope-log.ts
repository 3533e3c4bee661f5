/**
 * Off-policy evaluation from the platform's own logs. The exploration slot shows a video drawn at random
 * and the serve log keeps the chance it did (`propensity`, flagged `exploration_slot` = 1); the
 * engagement log says what the viewer did with it. Those logged decisions, weighed by
 * π(video) / propensity for a candidate policy π, feed IPS, SNIPS and doubly robust (`ope.ts`).
 * `onlineValue` measures the same reward for a policy that actually served (an arm) at the same position,
 * which is what the offline estimate should agree with.
 */

import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import type { ServedItem } from '../feed/for-you/side-effects/serve-log.side-effect.ts';
import { unitHash } from './assign.ts';
import { doublyRobust, ips, type LoggedDecision, type OpeEstimate, snips } from './ope.ts';
import { ratioEstimate } from './stats.ts';

/** A served item and what the viewer did with it. */
export interface ServedOutcome extends ServedItem {
  /** The viewer saw it (an impression followed the serve). */
  viewed: boolean;
  /** Long view: completed, or watched at least half its length (the metric catalogue's long view). */
  reward: number;
}

const WINDOW_MS = 30 * 60_000;

/**
 * Joins served items with the engagement that followed: same viewer and video, from the serve until the
 * next serve of that video to that viewer or `windowMs` later, whichever is first.
 */
export function servedOutcomes(
  served: readonly ServedItem[],
  events: readonly PlatformEngagementEvent[],
  windowMs = WINDOW_MS,
): ServedOutcome[] {
  const key = (user: string, video: string) => `${user.startsWith('u:') ? user.slice(2) : user}\u0000${video}`;
  const byPair = new Map<string, PlatformEngagementEvent[]>();
  for (const e of events) {
    const k = key(e.userId, e.videoId);
    const l = byPair.get(k);
    if (l) l.push(e);
    else byPair.set(k, [e]);
  }
  for (const l of byPair.values()) l.sort((a, b) => a.timeMs - b.timeMs);
  const serves = new Map<string, number[]>();
  for (const s of served) {
    const k = key(s.userId, s.videoId);
    serves.set(k, [...(serves.get(k) ?? []), s.servedAt]);
  }
  for (const l of serves.values()) l.sort((a, b) => a - b);
  return served.map((s) => {
    const k = key(s.userId, s.videoId);
    const next = serves.get(k)!.find((t) => t > s.servedAt) ?? Number.POSITIVE_INFINITY;
    const end = Math.min(next, s.servedAt + windowMs);
    let viewed = false;
    let long = false;
    for (const e of byPair.get(k) ?? []) {
      if (e.timeMs < s.servedAt || e.timeMs >= end) continue;
      if (e.type === 'impression') viewed = true;
      if (e.type === 'complete') long = true;
      if ((e.type === 'skip' || e.type === 'progress') && e.durationMs && (e.watchMs ?? 0) >= 0.5 * e.durationMs)
        long = true;
    }
    return { ...s, viewed, reward: viewed && long ? 1 : 0 };
  });
}

/** Whether a served item was served under `arm` of `experiment` (the serve log's arm feature). */
export const servedUnder = (s: ServedItem, experiment: string, arm: string) =>
  s.features[`arm:${experiment}:${arm}`] === 1;

/**
 * A reward model for doubly robust: each video's reward rate over `training` (items the viewer saw),
 * shrunk toward the overall rate by `prior` pseudo-observations; videos never seen get the overall rate.
 */
export function videoRewardModel(training: readonly ServedOutcome[], prior = 5): (videoId: string) => number {
  const seen = training.filter((t) => t.viewed);
  const overall = seen.length ? seen.reduce((a, t) => a + t.reward, 0) / seen.length : 0;
  const by = new Map<string, { n: number; r: number }>();
  for (const t of seen) {
    const v = by.get(t.videoId) ?? { n: 0, r: 0 };
    v.n++;
    v.r += t.reward;
    by.set(t.videoId, v);
  }
  return (id) => {
    const v = by.get(id);
    return v ? (v.r + prior * overall) / (v.n + prior) : overall;
  };
}

/**
 * The exploration slot's decisions that the viewer saw, for a candidate policy that shows video v with
 * probability `target(v)`; with a reward model, also what it predicts for the logged video and in
 * expectation under the candidate (Σᵥ target(v)·q̂(v) over `catalogue`).
 */
export function slotDecisions(
  outcomes: readonly ServedOutcome[],
  target: (videoId: string) => number,
  model?: { predict: (videoId: string) => number; catalogue: readonly string[] },
): LoggedDecision[] {
  let underTarget: number | undefined;
  if (model) {
    underTarget = 0;
    for (const v of model.catalogue) underTarget += target(v) * model.predict(v);
  }
  return outcomes
    .filter((o) => o.viewed && o.features.exploration_slot === 1 && o.propensity !== null && o.propensity > 0)
    .map((o) => ({
      propensity: o.propensity!,
      reward: o.reward,
      target: target(o.videoId),
      ...(model ? { predicted: model.predict(o.videoId), predictedUnderTarget: underTarget! } : {}),
    }));
}

/**
 * The reward per viewed item a policy earned online: the items it served (and the viewer saw), the
 * viewer the unit (a ratio of per-viewer sums, delta-method interval), since one viewer's items are
 * not independent.
 */
export function onlineValue(outcomes: readonly ServedOutcome[]): OpeEstimate & { items: number; viewers: number } {
  const by = new Map<string, { n: number; r: number }>();
  for (const o of outcomes) {
    if (!o.viewed) continue;
    const v = by.get(o.userId) ?? { n: 0, r: 0 };
    v.n++;
    v.r += o.reward;
    by.set(o.userId, v);
  }
  const users = [...by.values()];
  const e = ratioEstimate(
    users.map((u) => u.r),
    users.map((u) => u.n),
  );
  const se = Math.sqrt(e.varianceOfMean);
  return {
    estimate: e.mean,
    se,
    ci95: [e.mean - 1.959964 * se, e.mean + 1.959964 * se],
    items: users.reduce((a, u) => a + u.n, 0),
    viewers: users.length,
  };
}

/** One estimator's offline value set beside the online one. */
export interface OpeComparison extends OpeEstimate {
  online: number;
  abs_error: number;
  within_online_ci: boolean;
}

/**
 * The slot's decisions with a reward model cross-fitted on the slot's own decisions, for doubly robust.
 * Viewers fall into `folds` folds by a hash of their id; a fold's decisions are predicted by the per-video
 * model fit on the other folds' viewed slot items of `training`, so no decision predicts itself.
 *
 * Why the slot and not the pipeline's own items: doubly robust's direct term Σᵥ π(v)·q̂(v) runs over the
 * whole catalogue, and its correction only over what the slot can draw, which never includes what the
 * viewer has already seen (the seen filter). Those seen videos are the popular ones the pipeline serves
 * to the viewers it expects to like them, so a model fit on the pipeline's items gives them a reward rate
 * far above a random viewer's, and nothing corrects it. Fit on the slot, q̂ is a random draw's rate.
 */
export function crossFittedSlotDecisions(o: {
  logged: readonly ServedOutcome[];
  training: readonly ServedOutcome[];
  target: (videoId: string) => number;
  catalogue: readonly string[];
  folds?: number;
}): LoggedDecision[] {
  const folds = o.folds ?? 5;
  const fold = (x: ServedOutcome) => Math.floor(unitHash('ope-cross-fit', x.userId) * folds);
  const slot = o.training.filter((x) => x.features.exploration_slot === 1);
  return Array.from({ length: folds }, (_, k) =>
    slotDecisions(
      o.logged.filter((x) => fold(x) === k),
      o.target,
      { predict: videoRewardModel(slot.filter((x) => fold(x) !== k)), catalogue: o.catalogue },
    ),
  ).flat();
}

/**
 * IPS, SNIPS and doubly robust estimates of a candidate policy's reward per viewed item from the
 * exploration slot's logs (`logged`), each set beside what the policy earned online (`online`: its
 * own served items, in the same context as the logged slot decisions). Doubly robust's reward model is
 * cross-fitted on the slot decisions of `training` (by default `logged`); `rewardModel: 'pipeline'`
 * fits it on the logged policy's other items instead (biased by the pipeline's targeting; kept for
 * comparison).
 */
export function compareWithOnline(o: {
  logged: readonly ServedOutcome[];
  online: readonly ServedOutcome[];
  target: (videoId: string) => number;
  catalogue: readonly string[];
  training?: readonly ServedOutcome[];
  rewardModel?: 'slot' | 'pipeline';
}) {
  const training = o.training ?? o.logged;
  const decisions = slotDecisions(o.logged, o.target);
  const modelled =
    o.rewardModel === 'pipeline'
      ? slotDecisions(o.logged, o.target, {
          predict: videoRewardModel(training.filter((x) => x.features.exploration_slot !== 1)),
          catalogue: o.catalogue,
        })
      : crossFittedSlotDecisions({ logged: o.logged, training, target: o.target, catalogue: o.catalogue });
  const on = onlineValue(o.online);
  const vs = (e: OpeEstimate): OpeComparison => ({
    ...e,
    online: on.estimate,
    abs_error: Math.abs(e.estimate - on.estimate),
    within_online_ci: e.estimate >= on.ci95[0] && e.estimate <= on.ci95[1],
  });
  return {
    logged_decisions: decisions.length,
    mean_weight: decisions.reduce((a, d) => a + d.target / d.propensity, 0) / Math.max(1, decisions.length),
    online: on,
    ips: vs(ips(decisions)),
    snips: vs(snips(decisions)),
    dr: vs(doublyRobust(modelled)),
  };
}
