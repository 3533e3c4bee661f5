/**
 * Fault injection for the loop's drill: breaks a model's artifact the way real bugs do, after
 * training and before the gate reloads it, so the drill tests exactly what would ship.
 */
import { WEIGHTS_FILE } from '../../model-format/artifact-files.ts';

export const FAULTS = ['shuffle', 'nan'] as const;
/** `shuffle`: item vectors permuted across items (a join bug); `nan`: NaN in every weight tensor. */
export type Fault = (typeof FAULTS)[number];

const EMBEDDINGS = 'video_embeddings.f32';

function f32(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/** A copy of `files` with the fault applied (deterministic for a seed); the input is left alone. */
export function injectFault(
  files: Record<string, Buffer>,
  fault: Fault,
  dims: { embeddingDim?: number } = {},
  seed = 7,
): Record<string, Buffer> {
  const out = { ...files };
  if (fault === 'shuffle') {
    const emb = files[EMBEDDINGS];
    const dim = dims.embeddingDim;
    if (!emb || !dim) return out;
    const v = f32(emb);
    const rows = v.length / dim;
    const perm = Array.from({ length: rows }, (_, i) => i);
    let s = seed >>> 0;
    for (let i = rows - 1; i > 0; i--) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const j = s % (i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const shuffled = new Float32Array(v.length);
    for (let r = 0; r < rows; r++) shuffled.set(v.subarray(perm[r]! * dim, (perm[r]! + 1) * dim), r * dim);
    out[EMBEDDINGS] = Buffer.from(shuffled.buffer);
    return out;
  }
  // Every float file (packed weights, item vectors, baseline tables): every 7th value NaN, enough to
  // reach every output, as an exploded optimiser step does.
  for (const [name, body] of Object.entries(files)) {
    if (name !== WEIGHTS_FILE && !name.endsWith('.f32')) continue;
    const w = f32(body);
    for (let i = 0; i < w.length; i += 7) w[i] = Number.NaN;
    out[name] = Buffer.from(w.buffer);
  }
  return out;
}
