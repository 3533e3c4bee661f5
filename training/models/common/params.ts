import { seededRandom } from '../../../core/random.ts';
/** Model weights as plain typed arrays: seeded initialisation, tfjs variables, and a compact binary form. */
import type { Params } from '../../../model-format/weights.ts';
import { tf } from './tf.ts';

/** How a parameter is initialised. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'glorot' | 'zeros' | 'embedding';
}

/** mulberry32: a small, fast, seedable PRNG so that trained models are reproducible. */
export const rng = seededRandom;

/** Fisher–Yates shuffle in place with the given random source. */
export function shuffle<T extends { length: number; [i: number]: number }>(a: T, rand: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a;
}

/** Initialises every parameter from `seed`: Glorot-uniform matrices, zero biases, N(0, 0.05²) embeddings. */
export function initParams(specs: readonly ParamSpec[], seed: number): Params {
  const rand = rng(seed);
  const params: Params = new Map();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (s.init === 'glorot') {
      const limit = Math.sqrt(6 / ((s.shape[0] ?? 1) + (s.shape[1] ?? 1)));
      for (let i = 0; i < n; i++) v[i] = (rand() * 2 - 1) * limit;
    } else if (s.init === 'embedding') {
      for (let i = 0; i < n; i++)
        v[i] = 0.05 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    }
    params.set(s.name, { shape: [...s.shape], values: v });
  }
  return params;
}

/** tfjs variables holding copies of the parameters (for training). */
export function toVariables(params: Params): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  for (const [name, p] of params) vars.set(name, tf.variable(tf.tensor(p.values, p.shape), true, name));
  return vars;
}

/** Constant tfjs tensors of the parameters (for inference). */
export function toTensors(params: Params): Map<string, tf.Tensor> {
  const t = new Map<string, tf.Tensor>();
  for (const [name, p] of params) t.set(name, tf.tensor(p.values, p.shape));
  return t;
}

/** Reads trained variables back into plain arrays. */
export function fromVariables(vars: ReadonlyMap<string, tf.Tensor>): Params {
  const params: Params = new Map();
  for (const [name, v] of vars) params.set(name, { shape: [...v.shape], values: new Float32Array(v.dataSync()) });
  return params;
}
