/** Model weights as plain typed arrays and their compact binary form (no tensor library needed). */

/** One named weight tensor. */
export interface Param {
  shape: number[];
  values: Float32Array;
}

/** All weights of a model, by name, in a stable order. */
export type Params = Map<string, Param>;

/** Manifest entry of one tensor inside a weights file. */
export interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

/** Packs parameters into one little-endian float32 buffer plus a JSON-able manifest. */
export function packParams(params: Params): { manifest: WeightEntry[]; data: Buffer } {
  const manifest: WeightEntry[] = [];
  let offset = 0;
  for (const [name, p] of params) {
    manifest.push({ name, shape: p.shape, offset });
    offset += p.values.length;
  }
  const all = new Float32Array(offset);
  for (const [i, p] of [...params.values()].entries()) all.set(p.values, manifest[i]!.offset);
  return { manifest, data: Buffer.from(all.buffer, all.byteOffset, all.byteLength) };
}

/** Inverse of `packParams`; throws when the buffer is shorter than the manifest says. */
export function unpackParams(manifest: readonly WeightEntry[], data: Uint8Array): Params {
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  const all = new Float32Array(copy.buffer);
  const params: Params = new Map();
  for (const e of manifest) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + n > all.length) throw new Error(`weights file too short for '${e.name}'`);
    params.set(e.name, { shape: [...e.shape], values: all.slice(e.offset, e.offset + n) });
  }
  return params;
}
