import { seededRandom } from '../../core/random.ts';
import type { Dataset, Example } from '../data/schema.ts';
import type { RetrievalQuery } from '../models/types.ts';
import { f32ToBuffer, type SaveableRetrieval } from './artifacts.ts';
import { userPositives } from './interactions.ts';

/** Implicit-feedback ALS settings (Hu, Koren and Volinsky 2008). */
export interface MfConfig {
  factors: number;
  iterations: number;
  /** L2 regularisation of both factor matrices. */
  regularization: number;
  /** Confidence of an observed positive: 1 + alpha. */
  alpha: number;
  seed: number;
}

/** Defaults that train in well under a minute on the KuaiRand slice. */
export const DEFAULT_MF: MfConfig = { factors: 32, iterations: 8, regularization: 0.1, alpha: 10, seed: 7 };

/** Solves A x = b in place for a symmetric positive-definite k×k A (Cholesky); returns x in `b`. */
function choleskySolve(a: Float64Array, b: Float64Array, k: number): void {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let p = 0; p < j; p++) d -= a[j * k + p]! ** 2;
    const ljj = Math.sqrt(Math.max(d, 1e-12));
    a[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let p = 0; p < j; p++) s -= a[i * k + p]! * a[j * k + p]!;
      a[i * k + j] = s / ljj;
    }
  }
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= a[i * k + p]! * b[p]!;
    b[i] = s / a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let p = i + 1; p < k; p++) s -= a[p * k + i]! * b[p]!;
    b[i] = s / a[i * k + i]!;
  }
}

/** Gram matrix YᵀY of the rows of `y` (n×k), plus `reg` on the diagonal. */
function gram(y: Float32Array, n: number, k: number, reg: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const ya = y[o + a]!;
      if (ya === 0) continue;
      for (let b = a; b < k; b++) g[a * k + b] = g[a * k + b]! + ya * y[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    g[a * k + a] = g[a * k + a]! + reg;
    for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!;
  }
  return g;
}

/** One row's least-squares solution given the other side's factors and Gram matrix. */
function solveRow(
  items: readonly number[],
  other: Float32Array,
  g: Float64Array,
  k: number,
  alpha: number,
  out: Float32Array,
  outOffset: number,
): void {
  const a = Float64Array.from(g);
  const b = new Float64Array(k);
  for (const j of items) {
    const o = j * k;
    for (let p = 0; p < k; p++) {
      const yp = other[o + p]!;
      b[p] = b[p]! + (1 + alpha) * yp;
      for (let q = 0; q < k; q++) a[p * k + q] = a[p * k + q]! + alpha * yp * other[o + q]!;
    }
  }
  if (items.length > 0) choleskySolve(a, b, k);
  for (let p = 0; p < k; p++) out[outOffset + p] = items.length > 0 ? b[p]! : 0;
}

/**
 * Matrix factorisation by implicit ALS over users' positive sets (pre-period included). At query time
 * the user vector is folded in from the query's history with the item factors fixed, so users and
 * interactions unseen in training are served the same way.
 */
export function trainMf(
  ds: Dataset,
  fit: readonly Example[] = ds.train,
  cfg: Partial<MfConfig> = {},
  onProgress?: (iteration: number, total: number) => void,
): SaveableRetrieval {
  const c = { ...DEFAULT_MF, ...cfg };
  const k = c.factors;
  const nU = ds.users.length;
  const nV = ds.videos.length;
  const byUser = userPositives(ds, fit);
  const byItem: number[][] = Array.from({ length: nV }, () => []);
  byUser.forEach((l, u) => {
    for (const v of l) byItem[v]!.push(u);
  });
  const rand = seededRandom(c.seed);
  const X = new Float32Array(nU * k);
  const Y = Float32Array.from({ length: nV * k }, () => (rand() - 0.5) * 0.1);
  for (let it = 0; it < c.iterations; it++) {
    const gy = gram(Y, nV, k, c.regularization);
    for (let u = 0; u < nU; u++) solveRow(byUser[u]!, Y, gy, k, c.alpha, X, u * k);
    const gx = gram(X, nU, k, c.regularization);
    for (let v = 0; v < nV; v++) solveRow(byItem[v]!, X, gx, k, c.alpha, Y, v * k);
    onProgress?.(it + 1, c.iterations);
  }
  return mfFromItemFactors(Y, c);
}

/** An MF model from item factors (videos × factors, row-major): users are folded in per query. */
export function mfFromItemFactors(Y: Float32Array, c: MfConfig): SaveableRetrieval {
  const k = c.factors;
  if (Y.length % k !== 0) throw new Error(`mf: ${Y.length} factor values is not a multiple of ${k} factors`);
  const nV = Y.length / k;
  const gy = gram(Y, nV, k, c.regularization);
  return {
    name: 'mf',
    artifact: () => ({ files: { 'item_factors.f32': f32ToBuffer(Y) }, dims: { videos: nV, factors: k }, config: c }),
    /** The video embeddings an ANN index is built from. */
    videoEmbeddings: () => ({ dim: k, vectors: Y }),
    scoreAll(queries: readonly RetrievalQuery[]): Float32Array[] {
      const x = new Float32Array(k);
      return queries.map((q) => {
        solveRow(
          [...new Set(q.history)].filter((v) => v >= 0 && v < nV),
          Y,
          gy,
          k,
          c.alpha,
          x,
          0,
        );
        const s = new Float32Array(nV);
        for (let v = 0; v < nV; v++) {
          let dot = 0;
          for (let p = 0; p < k; p++) dot += x[p]! * Y[v * k + p]!;
          s[v] = dot;
        }
        return s;
      });
    },
  };
}
