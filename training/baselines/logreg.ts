import { seededRandom } from '../../core/random.ts';
import { RANKING_HEADS, type RankingHead } from '../../model-format/heads.ts';
import type { RankingInput, RankingModel } from '../models/types.ts';
import { lbfgs } from './lbfgs.ts';

/** Logistic-regression settings (one model per head). */
export interface LogRegConfig {
  /**
   * `lbfgs` (default): full-batch L-BFGS on the L2-penalised mean log loss, run to convergence.
   * `adam`: the older minibatch Adam for `epochs` passes (not converged at 2 epochs; kept for comparison).
   */
  solver: 'lbfgs' | 'adam';
  /**
   * L-BFGS only: add one-hot video id, author, tab, hour of day and duration bucket to the dense
   * features (needs `videos` when training). Defaults to on when the videos are given.
   */
  ids?: boolean;
  /** L-BFGS only: use the dense point-in-time features (default true); false leaves only the one-hot fields. */
  dense?: boolean;
  /** L-BFGS iterations at most per head; it stops earlier when the gradient norm falls below `tolerance`. */
  maxIterations: number;
  tolerance: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  seed: number;
}

/** Defaults: L-BFGS to convergence. */
export const DEFAULT_LOGREG: LogRegConfig = {
  solver: 'lbfgs',
  maxIterations: 200,
  tolerance: 1e-6,
  epochs: 2,
  batchSize: 256,
  learningRate: 0.01,
  l2: 1e-5,
  seed: 3,
};

/** The feature sets `train` chooses between on validation when the experiment names none. */
export const LOGREG_FEATURE_GRID = [
  { dense: true, ids: false },
  { dense: false, ids: true },
  { dense: true, ids: true },
] as const;

/** Weights of a trained logistic regression: standardisation, then one linear model per head. */
export interface LogRegWeights {
  mean: number[];
  std: number[];
  heads: Record<RankingHead, { w: number[]; b: number; sparse?: number[] }>;
  /** One-hot fields (video id, author, tab, hour of day, duration bucket) when fit with `ids`. */
  sparse?: SparseLayout;
}

/** Where each one-hot field starts in a head's `sparse` weights, and the video → author/bucket maps. */
export interface SparseLayout {
  videoAuthor: number[];
  videoBucket: number[];
  sizes: { video: number; author: number; tab: number; hour: number; bucket: number };
}

const HOUR_MS = 3_600_000;
/** KuaiRand's clock is Beijing time (UTC+8). */
const TZ_MS = 8 * HOUR_MS;

/**
 * The one-hot indices of an impression into the concatenated fields (video, author, tab, hour of
 * day, duration bucket), each -1 when out of the fitted range.
 */
function sparseIndices(layout: SparseLayout, ex: RankingInput['example'], out: Int32Array): void {
  const { sizes } = layout;
  const values = [
    [ex.video, sizes.video],
    [layout.videoAuthor[ex.video] ?? -1, sizes.author],
    [ex.tab, sizes.tab],
    [Math.floor(((ex.timeMs + TZ_MS) % 86_400_000) / HOUR_MS), sizes.hour],
    [layout.videoBucket[ex.video] ?? -1, sizes.bucket],
  ] as const;
  let base = 0;
  values.forEach(([v, size], k) => {
    out[k] = v >= 0 && v < size ? base + v : -1;
    base += size;
  });
}

function sparseWidth(layout: SparseLayout): number {
  const s = layout.sizes;
  return s.video + s.author + s.tab + s.hour + s.bucket;
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
      const idx = new Int32Array(5);
      inputs.forEach((inp, i) => {
        for (let d = 0; d < dim; d++) x[d] = (inp.features[d]! - weights.mean[d]!) / weights.std[d]!;
        if (weights.sparse) sparseIndices(weights.sparse, inp.example, idx);
        for (const h of RANKING_HEADS) {
          const { w, b, sparse } = weights.heads[h];
          let z = b;
          for (let d = 0; d < dim; d++) z += w[d]! * x[d]!;
          if (sparse) for (const k of idx) if (k >= 0) z += sparse[k]!;
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
  videos?: readonly { author: number; durationBucket: number }[],
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
  if (c.solver === 'lbfgs') {
    let layout: SparseLayout | undefined;
    if (videos && c.ids !== false) {
      const max = (xs: Iterable<number>) => {
        let m = 0;
        for (const x of xs) m = Math.max(m, x);
        return m;
      };
      layout = {
        videoAuthor: videos.map((v) => v.author),
        videoBucket: videos.map((v) => v.durationBucket),
        sizes: {
          video: videos.length,
          author: max(videos.map((v) => v.author)) + 1,
          tab: max(train.map((x) => x.example.tab)) + 1,
          hour: 24,
          bucket: max(videos.map((v) => v.durationBucket)) + 1,
        },
      };
    }
    return trainLbfgs(train, c, mean, std, onProgress, layout);
  }
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

/** Full-batch L-BFGS per head on standardised features: converged L2 logistic (and linear) regression. */
function trainLbfgs(
  train: readonly RankingInput[],
  c: LogRegConfig,
  mean: number[],
  std: number[],
  onProgress?: (step: number, total: number, loss: number) => void,
  layout?: SparseLayout,
): { model: RankingModel; weights: LogRegWeights } {
  const n = train.length;
  const dim = mean.length;
  const S = layout ? sparseWidth(layout) : 0;
  const idx = new Int32Array(n * 5).fill(-1);
  if (layout) {
    const one = new Int32Array(5);
    train.forEach((inp, i) => {
      sparseIndices(layout, inp.example, one);
      idx.set(one, i * 5);
    });
  }
  // Parameter vector: dense weights, bias, then the one-hot weights.
  const P = dim + 1 + S;
  const X = new Float32Array(n * dim);
  // Without the dense features X stays zero, so their products are skipped (their weights stay 0).
  const D = c.dense !== false ? dim : 0;
  if (c.dense !== false)
    train.forEach((inp, i) => {
      for (let d = 0; d < dim; d++) X[i * dim + d] = (inp.features[d]! - mean[d]!) / std[d]!;
    });
  const heads = {} as LogRegWeights['heads'];
  const z = new Float64Array(n);
  RANKING_HEADS.forEach((h, hi) => {
    const y = Float64Array.from(train, (x) => x.example.labels[h]);
    const linear = h === 'watchRatio';
    const rate = y.reduce((s, v) => s + v, 0) / n;
    const w = new Float64Array(P);
    w[dim] = linear ? rate : Math.log((rate + 1e-6) / (1 - rate + 1e-6));
    const objective = (wt: Float64Array, g: Float64Array): number => {
      g.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let s = wt[dim]!;
        const o = i * dim;
        for (let d = 0; d < D; d++) s += wt[d]! * X[o + d]!;
        if (S > 0) for (let k = i * 5; k < i * 5 + 5; k++) if (idx[k]! >= 0) s += wt[dim + 1 + idx[k]!]!;
        z[i] = s;
      }
      for (let i = 0; i < n; i++) {
        const s = z[i]!;
        let r: number;
        if (linear) {
          r = s - y[i]!;
          loss += 0.5 * r * r;
        } else {
          // log(1 + e^s) - y s, computed stably.
          loss += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - y[i]! * s;
          r = sigmoid(s) - y[i]!;
        }
        const o = i * dim;
        for (let d = 0; d < D; d++) g[d] = g[d]! + r * X[o + d]!;
        g[dim] = g[dim]! + r;
        if (S > 0) for (let k = i * 5; k < i * 5 + 5; k++) if (idx[k]! >= 0) g[dim + 1 + idx[k]!]! += r;
      }
      loss /= n;
      for (let d = 0; d < P; d++) g[d] = g[d]! / n;
      for (let d = 0; d < P; d++) {
        if (d === dim) continue;
        loss += 0.5 * c.l2 * wt[d]! ** 2;
        g[d] = g[d]! + c.l2 * wt[d]!;
      }
      return loss;
    };
    const r = lbfgs(objective, w, { maxIterations: c.maxIterations, tolerance: c.tolerance });
    onProgress?.(hi + 1, RANKING_HEADS.length, r.value);
    heads[h] = {
      w: Array.from(w.subarray(0, dim)),
      b: w[dim]!,
      ...(S > 0 ? { sparse: Array.from(w.subarray(dim + 1), (v) => Number(v.toPrecision(6))) } : {}),
    };
  });
  const weights: LogRegWeights = { mean, std, heads, ...(layout ? { sparse: layout } : {}) };
  return { model: logRegModel(weights), weights };
}
