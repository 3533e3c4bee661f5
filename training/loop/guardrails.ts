/**
 * Online guardrails of a freshly promoted model (the canary check): what viewers did with the items it
 * served, against the items the version before it served, from the serve log joined with the
 * engagement log. Passing keeps it; failing rolls it back in the registry (the serving side follows
 * within one model-watcher poll); too little traffic yet holds the verdict.
 */
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { joinServedWithEngagement, readServed } from '../../platform/engagement/serve-log.ts';
import { readEngagementLog } from '../data/platform.loader.ts';
import { bootstrapMean, type Estimate } from '../eval/stats.ts';
import type { DecisionLog } from '../registry/decisions.ts';
import type { ModelRegistry } from '../registry/registry.ts';

export interface GuardrailPolicy {
  /** Impressions the new version must have served before a verdict. */
  minImpressions: number;
  /** Largest relative drop of the long-view rate per viewer tolerated before rolling back. */
  maxRelativeDrop: number;
}

export const DEFAULT_GUARDRAILS: GuardrailPolicy = { minImpressions: 500, maxRelativeDrop: 0.1 };

export interface CanaryVerdict {
  name: string;
  version: string;
  verdict: 'hold' | 'pass' | 'rollback' | 'none';
  reason: string;
  candidate?: { impressions: number; viewers: number; longViewRate: Estimate };
  control?: { version: string; impressions: number; viewers: number; longViewRate: Estimate };
}

/** Per-viewer long-view rate of the items a version served (as the ranker or as the index). */
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
 * Checks the production version of `name` against the version it replaced, over everything both served
 * (the serve log's `model_version` for a ranker, `index_version` for a retriever's index).
 */
export async function checkCanary(o: {
  metadata: MetadataStore;
  eventsUrl: string;
  registry: ModelRegistry;
  decisions: DecisionLog;
  name: string;
  policy?: GuardrailPolicy;
  actor?: string;
}): Promise<CanaryVerdict> {
  const policy = o.policy ?? DEFAULT_GUARDRAILS;
  const actor = o.actor ?? 'canary-guardrails';
  const prod = await o.registry.byStage(o.name, 'production');
  if (!prod) return { name: o.name, version: '', verdict: 'none', reason: 'nothing in production' };
  const promotions = (await o.decisions.list(o.name, prod.version)).filter((d) => d.action === 'promoted');
  const previous = promotions.at(-1)?.details.previous as string | null | undefined;
  const settled = (await o.decisions.list(o.name, prod.version)).some(
    (d) => d.action === 'canary_passed' || d.action === 'rolled_back',
  );
  if (settled) return { name: o.name, version: prod.version, verdict: 'none', reason: 'already decided' };
  const served = await readServed(o.metadata, 0, Number.MAX_SAFE_INTEGER);
  const tagOf = (v: string) => `${o.name}@${v}`;
  const mine = (v: string) => served.filter((s) => s.modelVersion === tagOf(v) || s.indexVersion === tagOf(v));
  const cand = mine(prod.version);
  if (cand.length < policy.minImpressions)
    return {
      name: o.name,
      version: prod.version,
      verdict: 'hold',
      reason: `${cand.length} impressions served so far, ${policy.minImpressions} needed`,
    };
  const ctrl = previous ? mine(previous) : [];
  const events = (await readEngagementLog(o.eventsUrl)).map((e) => ({
    type: e.type,
    // The log names the actor (`u:<id>`, `d:<device>`); the serve log a user by id, a device by actor.
    user: e.userId.startsWith('u:') ? e.userId.slice(2) : e.userId,
    videoId: e.videoId,
    ts: e.timeMs,
    ...(e.watchMs !== undefined ? { watchMs: e.watchMs } : {}),
    ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
  }));
  const asOfMs = Math.max(...events.map((e) => e.ts), 0) + 1;
  const label = (items: typeof cand) => joinServedWithEngagement(items, events, { asOfMs, windowMs: 30 * 60_000 });
  const cr = perViewerRate(label(cand));
  const candidate = { impressions: cand.length, viewers: cr.length, longViewRate: bootstrapMean(cr, { seed: 1 }) };
  if (!previous || ctrl.length < policy.minImpressions) {
    const verdict: CanaryVerdict = {
      name: o.name,
      version: prod.version,
      verdict: 'pass',
      reason: previous ? `too little traffic on ${previous} to compare with` : 'first production version',
      candidate,
    };
    await o.decisions.record({
      name: o.name,
      version: prod.version,
      action: 'canary_passed',
      actor,
      reason: verdict.reason,
      details: { candidate },
    });
    return verdict;
  }
  const rr = perViewerRate(label(ctrl));
  const control = {
    version: previous,
    impressions: ctrl.length,
    viewers: rr.length,
    longViewRate: bootstrapMean(rr, { seed: 2 }),
  };
  const floor = control.longViewRate.mean * (1 - policy.maxRelativeDrop);
  const worse = candidate.longViewRate.ci95[1] < floor;
  const reason = `long-view rate per viewer ${candidate.longViewRate.mean.toFixed(4)} [${candidate.longViewRate.ci95.map((x) => x.toFixed(4)).join(', ')}] vs ${previous} ${control.longViewRate.mean.toFixed(4)} (floor ${floor.toFixed(4)})`;
  if (worse) {
    const back = await o.registry.rollback(o.name);
    await o.decisions.record({
      name: o.name,
      version: prod.version,
      action: 'rolled_back',
      actor,
      reason,
      details: { candidate, control, restored: back.version },
    });
    return { name: o.name, version: prod.version, verdict: 'rollback', reason, candidate, control };
  }
  await o.decisions.record({
    name: o.name,
    version: prod.version,
    action: 'canary_passed',
    actor,
    reason,
    details: { candidate, control },
  });
  return { name: o.name, version: prod.version, verdict: 'pass', reason, candidate, control };
}
