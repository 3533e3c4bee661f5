import { seededRandom } from '../../core/random.ts';
/** Deterministic PRNG (mulberry32) so tests and benchmarks draw the same vectors every run. */
export const mulberry32 = seededRandom;

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function normaliseRows(m: Float32Array, dims: number): Float32Array {
  for (let o = 0; o < m.length; o += dims) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += m[o + j]! ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let j = 0; j < dims; j++) m[o + j]! *= inv;
  }
  return m;
}

/**
 * n unit vectors drawn like trained embeddings: a mixture of `clusters` Gaussian clusters with
 * `spread` noise around random unit centres. `clusters = 0` draws uniformly on the sphere (the hardest case).
 */
export function clusteredUnitVectors(n: number, dims: number, clusters: number, seed = 7, spread = 0.35): Float32Array {
  const rand = mulberry32(seed);
  const centres = new Float32Array(Math.max(1, clusters) * dims);
  for (let i = 0; i < centres.length; i++) centres[i] = gaussian(rand);
  normaliseRows(centres, dims);
  const out = new Float32Array(n * dims);
  const noise = clusters === 0 ? 1 : spread / Math.sqrt(dims);
  for (let i = 0; i < n; i++) {
    const c = clusters === 0 ? -1 : Math.floor(rand() * clusters);
    for (let j = 0; j < dims; j++) {
      out[i * dims + j] = (c < 0 ? 0 : centres[c * dims + j]!) + noise * gaussian(rand);
    }
  }
  return normaliseRows(out, dims);
}
