import type { RankingHead } from '../../model-format/heads.ts';
import type { RankingInput, RankingModel } from '../models/types.ts';
import { auc, calibration, gauc, logLoss, type ReliabilityBin } from './metrics.ts';

/** Metrics of one binary head on the evaluated impressions. */
export interface BinaryHeadMetrics {
  positiveRate: number;
  auc: number;
  /** Impression-weighted per-user AUC over users with both classes. */
  gauc: number;
  gaucUsers: number;
  /** Per user with both classes, in first-impression order: AUC and impressions (paired intervals). */
  perUser: { users: number[]; auc: number[]; weight: number[] };
  logLoss: number;
  /** Mean predicted / mean observed. */
  calibration: number;
  reliability: ReliabilityBin[];
}

/** Metrics of the watch-ratio regression head. */
export interface RegressionHeadMetrics {
  rmse: number;
  mae: number;
  meanPredicted: number;
  meanObserved: number;
  /** AUC of the prediction against long_view, so the head can be compared with the binary heads. */
  aucLongView: number;
}

/** A ranking model's results on one period, per head it predicts. */
export interface RankingResult {
  model: string;
  impressions: number;
  heads: Partial<Record<Exclude<RankingHead, 'watchRatio'>, BinaryHeadMetrics>>;
  watchRatio?: RegressionHeadMetrics;
}

/** Runs the model over the inputs in batches and computes per-head metrics. */
export function evaluateRanking(model: RankingModel, inputs: readonly RankingInput[], batchSize = 4096): RankingResult {
  const n = inputs.length;
  const preds = Object.fromEntries(model.heads.map((h) => [h, new Float32Array(n)])) as Record<
    RankingHead,
    Float32Array
  >;
  for (let start = 0; start < n; start += batchSize) {
    const out = model.predict(inputs.slice(start, start + batchSize));
    for (const h of model.heads) preds[h].set(out[h], start);
  }
  const users = Int32Array.from(inputs, (x) => x.example.user);
  const labelOf = (h: RankingHead) => Float32Array.from(inputs, (x) => x.example.labels[h]);
  const result: RankingResult = { model: model.name, impressions: n, heads: {} };
  for (const h of model.heads) {
    const p = preds[h];
    if (h === 'watchRatio') {
      const y = labelOf(h);
      let se = 0;
      let ae = 0;
      let sp = 0;
      let sy = 0;
      for (let i = 0; i < n; i++) {
        se += (p[i]! - y[i]!) ** 2;
        ae += Math.abs(p[i]! - y[i]!);
        sp += p[i]!;
        sy += y[i]!;
      }
      result.watchRatio = {
        rmse: Math.sqrt(se / Math.max(1, n)),
        mae: ae / Math.max(1, n),
        meanPredicted: sp / Math.max(1, n),
        meanObserved: sy / Math.max(1, n),
        aucLongView: auc(p, labelOf('longView')),
      };
      continue;
    }
    const y = labelOf(h);
    const g = gauc(p, y, users);
    const cal = calibration(p, y);
    result.heads[h] = {
      positiveRate: y.reduce((s, v) => s + v, 0) / Math.max(1, n),
      auc: auc(p, y),
      gauc: g.value,
      gaucUsers: g.groups,
      perUser: { users: g.perGroup.group, auc: g.perGroup.auc, weight: g.perGroup.weight },
      logLoss: logLoss(p, y),
      calibration: cal.ratio,
      reliability: cal.table,
    };
  }
  return result;
}
