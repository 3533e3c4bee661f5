/**
 * Online guardrails of a canary (`canary.ts`): the viewers of its `canary` arm against those of its
 * `control` arm over the same window, from the serve log (the arm tag and the version that served each
 * item) joined with the engagement log. The measure is the long-view rate per viewer, compared by
 * Welch's interval of the difference (the experiments' statistics). Clearly worse than control by more
 * than the tolerance: rolled back (the experiment stops; the version never reaches production). Not
 * worse by the tolerance at the interval's lower end: promoted, and the experiment stops. Otherwise it
 * holds, up to `maxImpressions`, after which an undecided canary is rolled back (a version must show it
 * is not worse). Too little traffic yet holds the verdict.
 */

import { platformNow } from '../../ab/state.ts';
import { type Comparison, meanEstimate, welch } from '../../ab/stats.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { joinServedWithEngagement, readServed, type ServedItem } from '../../platform/engagement/serve-log.ts';
import { readEngagementLog } from '../data/platform.loader.ts';
import type { DecisionLog } from '../registry/decisions.ts';
import type { ModelRegistry } from '../registry/registry.ts';
import { CANARY_ARM, type CanarySite, CONTROL_ARM, endCanary, runningCanary } from './canary.ts';

export interface GuardrailPolicy {
  /** Impressions each arm must have served (the canary's by the pinned version) before a verdict. */
  minImpressions: number;
  /** Viewers each arm must have before a verdict. */
  minViewers: number;
  /** Largest relative drop of the long-view rate per viewer against control tolerated. */
  maxRelativeDrop: number;
  /** Canary impressions after which a canary still undecided is rolled back. */
  maxImpressions: number;
}

export const DEFAULT_GUARDRAILS: GuardrailPolicy = {
  minImpressions: 500,
  minViewers: 20,
  maxRelativeDrop: 0.1,
  maxImpressions: 5_000,
};

export interface ArmStats {
  impressions: number;
  viewers: number;
  longViewRate: number;
}

export interface CanaryVerdict {
  name: string;
  version: string;
  verdict: 'hold' | 'promoted' | 'rolled_back' | 'none';
  reason: string;
  canary?: ArmStats;
  control?: ArmStats;
  /** Canary − control long-view rate per viewer, with its 95 % interval. */
  difference?: Pick<Comparison, 'diff' | 'ci' | 'relative' | 'p'>;
  /** Control items that were served by the canary version (must be 0). */
  controlServedCanary?: number;
  /** From the canary version's first served item to the arm's removal (rolled back only). */
  rollbackS?: number;
}

/** Long-view rate of each viewer over the items they were served. */
function perViewerRate(items: ReturnType<typeof joinServedWithEngagement>): number[] {
  const by = new Map<string, { n: number; lv: number }>();
  for (const it of items) {
    const u = by.get(it.userId) ?? { n: 0, lv: 0 };
    u.n++;
    u.lv += it.labels.longView;
    by.set(it.userId, u);
  }
  return [...by.values()].map((u) => u.lv / u.n);
}

/**
 * Judges the running canary of `name` (if any): hold, promote (registry + decision log, arm removed)
 * or roll back (arm removed, `rolled_back` logged with who, why and `rollback_s`).
 */
export async function checkCanary(o: {
  metadata: MetadataStore;
  eventsUrl: string;
  registry: ModelRegistry;
  decisions: DecisionLog;
  name: string;
  site: CanarySite;
  policy?: GuardrailPolicy;
  actor?: string;
  now?: () => number;
}): Promise<CanaryVerdict> {
  const policy = o.policy ?? DEFAULT_GUARDRAILS;
  const actor = o.actor ?? 'canary-guardrails';
  const now = o.now ?? (() => platformNow(o.site.dataDir));
  const running = runningCanary(o.site, o.name);
  if (!running) return { name: o.name, version: '', verdict: 'none', reason: 'no canary running' };
  const { experiment, state, version } = running;
  const tag = `${o.name}@${version}`;
  const armKey = (arm: string) => `arm:${experiment.name}:${arm}`;
  const served = await readServed(o.metadata, state.started_at, Number.MAX_SAFE_INTEGER);
  const byCanary = (s: ServedItem) => s.modelVersion === tag || s.indexVersion === tag;
  // The canary arm counts what the pinned version served (production serves it while the pin loads).
  const cand = served.filter((s) => s.features[armKey(CANARY_ARM)] === 1 && byCanary(s));
  const ctrlAll = served.filter((s) => s.features[armKey(CONTROL_ARM)] === 1);
  const controlServedCanary = ctrlAll.filter(byCanary).length;
  const ctrl = ctrlAll.filter((s) => !byCanary(s));
  const viewers = (xs: ServedItem[]) => new Set(xs.map((s) => s.userId)).size;
  const base = { name: o.name, version, controlServedCanary };
  const short = [
    [CANARY_ARM, cand],
    [CONTROL_ARM, ctrl],
  ].filter(
    ([, xs]) => (xs as ServedItem[]).length < policy.minImpressions || viewers(xs as ServedItem[]) < policy.minViewers,
  );
  if (short.length > 0)
    return {
      ...base,
      verdict: 'hold',
      reason: `too little traffic yet: canary ${cand.length} impressions / ${viewers(cand)} viewers, control ${ctrl.length} / ${viewers(ctrl)} (${policy.minImpressions} / ${policy.minViewers} needed per arm)`,
    };

  const events = (await readEngagementLog(o.eventsUrl)).map((e) => ({
    type: e.type,
    // The log names the actor (`u:<id>`, `d:<device>`); the serve log a user by id, a device by actor.
    user: e.userId.startsWith('u:') ? e.userId.slice(2) : e.userId,
    videoId: e.videoId,
    ts: e.timeMs,
    ...(e.watchMs !== undefined ? { watchMs: e.watchMs } : {}),
    ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
  }));
  // A loop, not Math.max(...): a spread of a day's events overflows the call stack.
  const asOfMs = events.reduce((m, e) => Math.max(m, e.ts), 0) + 1;
  const rates = (items: ServedItem[]) =>
    perViewerRate(joinServedWithEngagement(items, events, { asOfMs, windowMs: 30 * 60_000 }));
  const cr = rates(cand);
  const rr = rates(ctrl);
  const ce = meanEstimate(cr);
  const re = meanEstimate(rr);
  const w = welch(re, ce);
  // Identical viewers in an arm (no variance) give no degrees of freedom: the interval is the point.
  const ci: [number, number] = w.se > 0 && Number.isFinite(w.ci[0]) ? w.ci : [w.diff, w.diff];
  const canary = { impressions: cand.length, viewers: cr.length, longViewRate: ce.mean };
  const control = { impressions: ctrl.length, viewers: rr.length, longViewRate: re.mean };
  const difference = { diff: w.diff, ci, relative: w.relative, p: w.p };
  const tolerance = policy.maxRelativeDrop * re.mean;
  const summary = `long-view rate per viewer ${ce.mean.toFixed(4)} (${cr.length} viewers) vs control ${re.mean.toFixed(4)} (${rr.length}): difference ${w.diff.toFixed(4)} [${ci.map((x) => x.toFixed(4)).join(', ')}], tolerance −${tolerance.toFixed(4)}`;
  const stats = { ...base, canary, control, difference };
  const details = { experiment: experiment.name, canary, control, difference, controlServedCanary, policy };

  const worse = ci[1] < -tolerance;
  const undecided = !worse && ci[0] < -tolerance;
  if (undecided && cand.length < policy.maxImpressions)
    return { ...stats, verdict: 'hold', reason: `undecided: ${summary}` };
  if (worse || undecided) {
    const reason = worse
      ? `worse than control: ${summary}`
      : `not shown within tolerance after ${cand.length} impressions: ${summary}`;
    const removedAt = endCanary(o.site, o.name, `rolled back: ${reason}`, now());
    const firstServed = served.reduce((m, s) => (byCanary(s) ? Math.min(m, s.servedAt) : m), Number.POSITIVE_INFINITY);
    const rollbackS = (removedAt - firstServed) / 1000;
    await o.decisions.record({
      name: o.name,
      version,
      action: 'rolled_back',
      actor,
      reason,
      details: { ...details, rollback_s: rollbackS, first_served_at: firstServed, removed_at: removedAt },
    });
    return { ...stats, verdict: 'rolled_back', reason, rollbackS };
  }
  // The arm goes first: the control arm is production, which must not be the canary version meanwhile.
  endCanary(o.site, o.name, `promoted ${o.name}@${version}`, now());
  const previous = await o.registry.byStage(o.name, 'production');
  await o.registry.promote(o.name, version, { force: true });
  await o.decisions.record({ name: o.name, version, action: 'canary_passed', actor, reason: summary, details });
  await o.decisions.record({
    name: o.name,
    version,
    action: 'promoted',
    actor,
    reason: `canary not worse than control: ${summary}`,
    details: { previous: previous?.version ?? null, experiment: experiment.name },
  });
  return { ...stats, verdict: 'promoted', reason: summary };
}
