import { seededRandom } from '../../core/random.ts';
import { RANKING_HEADS, type RankingHead } from '../../model-format/heads.ts';
import type { RankingInput, RankingModel } from '../models/types.ts';

/** Logistic-regression settings (one model per head, trained together with Adam). */
export interface LogRegConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  seed: number;
}

/** Defaults: two passes over the train impressions. */
export const DEFAULT_LOGREG: LogRegConfig = { epochs: 2, batchSize: 256, learningRate: 0.01, l2: 1e-5, seed: 3 };

/** Weights of a trained logistic regression: standardisation, then one linear model per head. */
export interface LogRegWeights {
  mean: number[];
  std: number[];
  heads: Record<RankingHead, { w: number[]; b: number }>;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** A `RankingModel` from saved logistic-regression weights. */
export function logRegModel(weights: LogRegWeights): RankingModel {
  const dim = weights.mean.length;
  return {
    name: 'logreg',
    heads: RANKING_HEADS,
    predict(inputs: readonly RankingInput[]) {
      const out = Object.fromEntries(RANKING_HEADS.map((h) => [h, new Float32Array(inputs.length)])) as Record<
        RankingHead,
        Float32Array
      >;
      const x = new Float64Array(dim);
      inputs.forEach((inp, i) => {
        for (let d = 0; d < dim; d++) x[d] = (inp.features[d]! - weights.mean[d]!) / weights.std[d]!;
        for (const h of RANKING_HEADS) {
          const { w, b } = weights.heads[h];
          let z = b;
          for (let d = 0; d < dim; d++) z += w[d]! * x[d]!;
          out[h][i] = h === 'watchRatio' ? Math.max(0, z) : sigmoid(z);
        }
      });
      return out;
    },
  };
}

/**
 * Trains one logistic regression per binary head and a linear regression for the watch ratio, on
 * standardised features, with minibatch Adam. Biases start at the base rates so early steps are sane.
 */
export function trainLogReg(
  train: readonly RankingInput[],
  cfg: Partial<LogRegConfig> = {},
  onProgress?: (step: number, total: number, loss: number) => void,
): { model: RankingModel; weights: LogRegWeights } {
  const c = { ...DEFAULT_LOGREG, ...cfg };
  if (train.length === 0) throw new Error('logreg: no training examples');
  const dim = train[0]!.features.length;
  const mean = new Array(dim).fill(0);
  const sq = new Array(dim).fill(0);
  for (const inp of train) {
    for (let d = 0; d < dim; d++) {
      mean[d] += inp.features[d]!;
      sq[d] += inp.features[d]! ** 2;
    }
  }
  const n = train.length;
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const std = sq.map((s, d) => Math.sqrt(Math.max(0, s / n - mean[d] ** 2)) || 1);
  const H = RANKING_HEADS.length;
  const W = new Float64Array(H * (dim + 1));
  const m1 = new Float64Array(W.length);
  const m2 = new Float64Array(W.length);
  RANKING_HEADS.forEach((h, hi) => {
    const rate = train.reduce((s, x) => s + x.example.labels[h], 0) / n;
    W[hi * (dim + 1) + dim] = h === 'watchRatio' ? rate : Math.log((rate + 1e-6) / (1 - rate + 1e-6));
  });
  const rand = seededRandom(c.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const steps = Math.ceil(n / c.batchSize) * c.epochs;
  const grad = new Float64Array(W.length);
  const x = new Float64Array(dim);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  for (let epoch = 0; epoch < c.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < n; start += c.batchSize) {
      grad.fill(0);
      const end = Math.min(n, start + c.batchSize);
      let loss = 0;
      for (let b = start; b < end; b++) {
        const inp = train[order[b]!]!;
        for (let d = 0; d < dim; d++) x[d] = (inp.features[d]! - mean[d]) / std[d]!;
        RANKING_HEADS.forEach((h, hi) => {
          const o = hi * (dim + 1);
          let z = W[o + dim]!;
          for (let d = 0; d < dim; d++) z += W[o + d]! * x[d]!;
          const y = inp.example.labels[h];
          let g: number;
          if (h === 'watchRatio') {
            g = z - y;
          } else {
            const p = sigmoid(z);
            g = p - y;
            loss -= y > 0.5 ? Math.log(p + 1e-7) : Math.log(1 - p + 1e-7);
          }
          for (let d = 0; d < dim; d++) grad[o + d] = grad[o + d]! + g * x[d]!;
          grad[o + dim] = grad[o + dim]! + g;
        });
      }
      step++;
      const bs = end - start;
      const lr = (c.learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      for (let p = 0; p < W.length; p++) {
        const g = grad[p]! / bs + c.l2 * W[p]!;
        m1[p] = beta1 * m1[p]! + (1 - beta1) * g;
        m2[p] = beta2 * m2[p]! + (1 - beta2) * g * g;
        W[p] = W[p]! - (lr * m1[p]!) / (Math.sqrt(m2[p]!) + 1e-8);
      }
      if (step % 50 === 0 || step === steps) onProgress?.(step, steps, loss / bs);
    }
  }
  const weights: LogRegWeights = {
    mean,
    std,
    heads: Object.fromEntries(
      RANKING_HEADS.map((h, hi) => {
        const o = hi * (dim + 1);
        return [h, { w: Array.from(W.subarray(o, o + dim)), b: W[o + dim]! }];
      }),
    ) as LogRegWeights['heads'],
  };
  return { model: logRegModel(weights), weights };
}
