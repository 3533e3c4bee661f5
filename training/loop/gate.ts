/**
 * The learning loop's promotion gate: pure checks of a freshly trained model, reloaded from the
 * artifact it would ship as, against production and a baseline trained on the same window.
 */
import type { EvalReport } from '../eval/report.ts';
import { bootstrapMean, type Estimate, pairedBootstrap } from '../eval/stats.ts';

/** Bounds the gate applies; every one has a default suited to a small platform. */
export interface GatePolicy {
  /** Mean predicted / observed rate of the long-view head must lie within [lo, hi]. */
  calibration: [number, number];
  /** A ranker must rank long views better than chance by this much (long-view AUC). */
  minAuc: number;
  /**
   * A retriever must not lose to these baselines of the same run by the paired interval (those the
   * experiment trains): most-popular, and the content index a first two-tower replaces in serving.
   */
  baselines: readonly string[];
  /**
   * The baseline a retriever replaces in serving while no version of it is in production (the content
   * index, which a first two-tower replaces for every viewer): against it "not worse" is not enough, the
   * retriever must beat it (the paired interval wholly above 0). Ties let worse two-towers through: in the
   * learning-loop benchmark two that tied it offline lowered the served items' true affinity 0.69 → 0.40.
   */
  replaces: string | null;
  /** Share of video embedding rows allowed to be zero or non-finite. */
  maxBadRows: number;
  /** Mean cosine between random pairs of item vectors above this means the space collapsed. */
  maxMeanCosine: number;
}

export const DEFAULT_GATE_POLICY: GatePolicy = {
  calibration: [0.5, 2],
  minAuc: 0.55,
  baselines: ['most_popular', 'content'],
  replaces: 'content',
  maxBadRows: 0.01,
  maxMeanCosine: 0.95,
};

/** One check with its outcome and the figures behind it. */
export interface GateCheck {
  check: string;
  passed: boolean;
  detail: string;
}

/** The gate's verdict on one model. */
export interface GateDecision {
  name: string;
  passed: boolean;
  checks: GateCheck[];
  /** The candidate's headline metric with its 95 % interval (bootstrap over held-out users). */
  headline?: { metric: string; estimate: Estimate; production: number | null };
}

/** What the gate knows of a model: its evaluation, its item vectors, production's recorded metrics. */
export interface GateSubject {
  name: string;
  embeddings?: { dim: number; vectors: Float32Array };
  /** Production's gate metrics (recorded on its own held-out window); null when nothing serves yet. */
  production: Record<string, number> | null;
  /**
   * The report's name for production evaluated on this same window, when it could be: then the gate
   * compares the two user by user (paired interval) instead of against production's recorded figure,
   * which was measured on an older window and says little about this one.
   */
  productionOnWindow?: string;
}

/** Non-finite, zero, constant or collapsed item vectors. */
export function embeddingChecks(e: { dim: number; vectors: Float32Array }, policy: GatePolicy): GateCheck[] {
  const { dim, vectors } = e;
  const rows = Math.floor(vectors.length / Math.max(1, dim));
  if (rows === 0 || dim === 0) return [{ check: 'embeddings', passed: false, detail: 'no item vectors' }];
  let bad = 0;
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    let finite = true;
    for (let j = 0; j < dim; j++) {
      const x = vectors[r * dim + j]!;
      if (!Number.isFinite(x)) finite = false;
      s += x * x;
    }
    norms[r] = Math.sqrt(s);
    if (!finite || norms[r]! < 1e-8) bad++;
  }
  const badShare = bad / rows;
  const checks: GateCheck[] = [
    {
      check: 'embeddings_finite_nonzero',
      passed: badShare <= policy.maxBadRows,
      detail: `${bad} of ${rows} item vectors are zero or not finite (${(badShare * 100).toFixed(2)} %, at most ${policy.maxBadRows * 100} %)`,
    },
  ];
  // Collapse: random pairs of healthy rows point the same way (a constant or near-constant tower).
  let sum = 0;
  let pairs = 0;
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % rows;
  };
  for (let k = 0; k < Math.min(2000, rows * 4) && rows > 1; k++) {
    const a = next();
    const b = next();
    if (a === b || norms[a]! < 1e-8 || norms[b]! < 1e-8 || !Number.isFinite(norms[a]!) || !Number.isFinite(norms[b]!))
      continue;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += vectors[a * dim + j]! * vectors[b * dim + j]!;
    sum += dot / (norms[a]! * norms[b]!);
    pairs++;
  }
  const meanCos = pairs > 0 ? sum / pairs : 1;
  checks.push({
    check: 'embeddings_not_degenerate',
    passed: pairs > 0 && meanCos <= policy.maxMeanCosine,
    detail: `mean cosine of ${pairs} random item pairs ${meanCos.toFixed(3)} (at most ${policy.maxMeanCosine})`,
  });
  return checks;
}

/** Values of two per-user series on the users both have, in one order, with the first's weights. */
function paired(
  a: { users: readonly number[]; values: readonly number[]; weights?: readonly number[] },
  b: { users: readonly number[]; values: readonly number[] },
): { x: number[]; y: number[]; w: number[] } {
  const other = new Map(b.users.map((u, i) => [u, b.values[i]!]));
  const x: number[] = [];
  const y: number[] = [];
  const w: number[] = [];
  a.users.forEach((u, i) => {
    const v = other.get(u);
    if (v === undefined || !Number.isFinite(v) || !Number.isFinite(a.values[i]!)) return;
    x.push(a.values[i]!);
    y.push(v);
    w.push(a.weights?.[i] ?? 1);
  });
  return { x, y, w };
}

/** Candidate against production on the same users: worse only when the whole paired interval is below 0. */
function notWorseOnWindow(metric: string, p: ReturnType<typeof paired>, seed: number): GateCheck {
  const check = `${metric}_vs_production_same_window`;
  if (p.x.length < 2) return { check, passed: true, detail: `${p.x.length} users in common: nothing to compare` };
  const d = bootstrapMean(
    p.x.map((v, i) => v - p.y[i]!),
    { seed, weights: p.w },
  );
  return {
    check,
    passed: d.ci95[1] >= 0,
    detail: `paired difference ${fmt(d)} over ${p.x.length} held-out users (worse only when the whole interval is below 0)`,
  };
}

const fmt = (e: Estimate) => `${e.mean.toFixed(4)} [${e.ci95[0].toFixed(4)}, ${e.ci95[1].toFixed(4)}]`;

/** Production is worse-or-equal unless its recorded value lies above the candidate's whole interval. */
function notWorseThanProduction(metric: string, est: Estimate, production: Record<string, number> | null): GateCheck {
  const p = production?.[metric];
  if (p === undefined || !Number.isFinite(p))
    return { check: `${metric}_vs_production`, passed: true, detail: 'no production value to compare with' };
  return {
    check: `${metric}_vs_production`,
    passed: est.ci95[1] >= p,
    detail: `candidate ${fmt(est)} vs production ${p.toFixed(4)} (worse only when production is above the interval)`,
  };
}

/**
 * Judges one model of a run: finite metrics; for a retriever, sane item vectors, not worse than
 * production by its interval and not worse than the baseline by the paired interval; for a ranker,
 * long-view AUC above chance, calibration within bounds and not worse than production by its interval.
 */
export function gateModel(
  report: EvalReport,
  subject: GateSubject,
  policy: GatePolicy = DEFAULT_GATE_POLICY,
): GateDecision {
  const checks: GateCheck[] = [];
  let headline: GateDecision['headline'];
  const ret = report.retrieval.find((r) => r.model === subject.name);
  const rank = report.ranking.find((r) => r.model === subject.name);
  if (!ret && !rank) checks.push({ check: 'evaluated', passed: false, detail: 'no evaluation of this model' });
  if (subject.embeddings) checks.push(...embeddingChecks(subject.embeddings, policy));
  if (ret) {
    const values = Object.values(ret.overall).filter((v) => typeof v === 'number');
    const finite = values.every((v) => Number.isFinite(v)) && ret.overall.queries > 0;
    checks.push({
      check: 'retrieval_metrics_finite',
      passed: finite,
      detail: `${ret.overall.queries} held-out users, recall@100 ${ret.overall.recall_at_100}`,
    });
    const est = bootstrapMean(ret.perQuery.recall_at_100, { seed: 1 });
    headline = { metric: 'recall_at_100', estimate: est, production: subject.production?.recall_at_100 ?? null };
    const prod = report.retrieval.find((r) => r.model === subject.productionOnWindow);
    checks.push(
      prod
        ? notWorseOnWindow(
            'recall_at_100',
            paired(
              { users: ret.perQuery.users, values: ret.perQuery.recall_at_100 },
              { users: prod.perQuery.users, values: prod.perQuery.recall_at_100 },
            ),
            4,
          )
        : notWorseThanProduction('recall_at_100', est, subject.production),
    );
    for (const b of policy.baselines) {
      const base = report.retrieval.find((r) => r.model === b);
      if (!base || base.model === subject.name) continue;
      const d = pairedBootstrap(ret.perQuery.recall_at_100, base.perQuery.recall_at_100, { seed: 2 });
      const mustBeat = b === policy.replaces && subject.production === null;
      checks.push({
        check: `recall_at_100_vs_${base.model}`,
        passed: mustBeat ? d.ci95[0] > 0 : d.ci95[1] >= 0,
        detail: mustBeat
          ? `paired difference ${fmt(d)} on the same users (it would replace ${base.model} in serving: it must be better, the whole interval above 0)`
          : `paired difference ${fmt(d)} on the same users`,
      });
    }
  }
  if (rank) {
    const lv = rank.heads.longView;
    if (!lv) {
      checks.push({ check: 'long_view_head', passed: false, detail: 'the ranker predicts no long-view head' });
    } else {
      const finite = [lv.auc, lv.gauc, lv.logLoss, lv.calibration].every((v) => Number.isFinite(v));
      checks.push({
        check: 'ranking_metrics_finite',
        passed: finite,
        detail: `long-view AUC ${lv.auc}, GAUC ${lv.gauc}, log loss ${lv.logLoss}, calibration ${lv.calibration}`,
      });
      checks.push({
        check: 'long_view_auc_above_chance',
        passed: lv.auc > policy.minAuc,
        detail: `AUC ${lv.auc.toFixed(4)} (above ${policy.minAuc})`,
      });
      const [lo, hi] = policy.calibration;
      checks.push({
        check: 'calibration_within_bounds',
        passed: lv.calibration >= lo && lv.calibration <= hi,
        detail: `mean predicted / observed ${lv.calibration.toFixed(3)} (within [${lo}, ${hi}])`,
      });
      const est = bootstrapMean(lv.perUser.auc, { seed: 3, weights: lv.perUser.weight });
      headline ??= { metric: 'gauc_long_view', estimate: est, production: subject.production?.gauc_long_view ?? null };
      const prod = report.ranking.find((r) => r.model === subject.productionOnWindow)?.heads.longView;
      checks.push(
        prod
          ? notWorseOnWindow(
              'gauc_long_view',
              paired(
                { users: lv.perUser.users, values: lv.perUser.auc, weights: lv.perUser.weight },
                { users: prod.perUser.users, values: prod.perUser.auc },
              ),
              5,
            )
          : notWorseThanProduction('gauc_long_view', est, subject.production),
      );
    }
  }
  return { name: subject.name, passed: checks.every((c) => c.passed), checks, ...(headline ? { headline } : {}) };
}
