import { seededRandom } from '../../core/random.ts';
import { RANKING_HEADS, type RankingHead } from '../../model-format/heads.ts';
import type { RankingInput, RankingModel } from '../models/types.ts';

/** Logistic-regression settings (one model per head). */
export interface LogRegConfig {
  /**
   * `lbfgs` (default): full-batch L-BFGS on the L2-penalised mean log loss, run to convergence.
   * `adam`: the older minibatch Adam for `epochs` passes (not converged at 2 epochs; kept for comparison).
   */
  solver: 'lbfgs' | 'adam';
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
  l2: 1e-4,
  seed: 3,
};

/**
 * Minimises a smooth function by L-BFGS (memory `m`) with a backtracking Armijo line search.
 * `f(x, g)` returns the value and writes the gradient into `g`. Returns the iterations used.
 */
export function lbfgs(
  f: (x: Float64Array, g: Float64Array) => number,
  x: Float64Array,
  opts: { maxIterations: number; tolerance: number; memory?: number },
): { iterations: number; value: number; gradNorm: number } {
  const n = x.length;
  const m = opts.memory ?? 10;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const g = new Float64Array(n);
  let fx = f(x, g);
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
    return s;
  };
  let it = 0;
  let gNorm = Math.sqrt(dot(g, g));
  for (; it < opts.maxIterations && gNorm > opts.tolerance; it++) {
    // Two-loop recursion: dir = -H g.
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, dir);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! - alpha[k]! * Y[k]![i]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! * gamma;
    } else {
      for (let i = 0; i < n; i++) dir[i] = dir[i]! / Math.max(1, gNorm);
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, dir);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! + S[k]![i]! * (alpha[k]! - beta);
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction: restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]! / Math.max(1, gNorm);
      slope = dot(g, dir);
    }
    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * dir[i]!;
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx)) break;
    const sK = new Float64Array(n);
    const yK = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sK[i] = xNew[i]! - x[i]!;
      yK[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(sK, yK);
    if (sy > 1e-12) {
      S.push(sK);
      Y.push(yK);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const rel = Math.abs(fx - fNew) / Math.max(1, Math.abs(fx));
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    gNorm = Math.sqrt(dot(g, g));
    if (rel < 1e-10) {
      it++;
      break;
    }
  }
  return { iterations: it, value: fx, gradNorm: gNorm };
}

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
  if (c.solver === 'lbfgs') return trainLbfgs(train, c, mean, std, onProgress);
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
): { model: RankingModel; weights: LogRegWeights } {
  const n = train.length;
  const dim = mean.length;
  const X = new Float32Array(n * dim);
  train.forEach((inp, i) => {
    for (let d = 0; d < dim; d++) X[i * dim + d] = (inp.features[d]! - mean[d]!) / std[d]!;
  });
  const heads = {} as LogRegWeights['heads'];
  const z = new Float64Array(n);
  RANKING_HEADS.forEach((h, hi) => {
    const y = Float64Array.from(train, (x) => x.example.labels[h]);
    const linear = h === 'watchRatio';
    const rate = y.reduce((s, v) => s + v, 0) / n;
    const w = new Float64Array(dim + 1);
    w[dim] = linear ? rate : Math.log((rate + 1e-6) / (1 - rate + 1e-6));
    const objective = (wt: Float64Array, g: Float64Array): number => {
      g.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let s = wt[dim]!;
        const o = i * dim;
        for (let d = 0; d < dim; d++) s += wt[d]! * X[o + d]!;
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
        for (let d = 0; d < dim; d++) g[d] = g[d]! + r * X[o + d]!;
        g[dim] = g[dim]! + r;
      }
      loss /= n;
      for (let d = 0; d <= dim; d++) g[d] = g[d]! / n;
      for (let d = 0; d < dim; d++) {
        loss += 0.5 * c.l2 * wt[d]! ** 2;
        g[d] = g[d]! + c.l2 * wt[d]!;
      }
      return loss;
    };
    const r = lbfgs(objective, w, { maxIterations: c.maxIterations, tolerance: c.tolerance });
    onProgress?.(hi + 1, RANKING_HEADS.length, r.value);
    heads[h] = { w: Array.from(w.subarray(0, dim)), b: w[dim]! };
  });
  const weights: LogRegWeights = { mean, std, heads };
  return { model: logRegModel(weights), weights };
}
