/** Backend-neutral model inputs: plain typed arrays that become tfjs tensors or onnxruntime tensors. */

/** One input tensor: int32 indices or float32 values, row-major. */
export interface FeedTensor {
  data: Int32Array | Float32Array;
  shape: number[];
}

/** Named inputs of one forward pass. */
export type Feed = Record<string, FeedTensor>;

/** Clamps a categorical value into [0, size), mapping anything unknown to 0. */
export function cat(v: number | undefined, size: number): number {
  return v !== undefined && Number.isInteger(v) && v >= 0 && v < size ? v : 0;
}

/** Start offset of each categorical field inside one shared embedding table. */
export function offsets(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let s = 0;
  for (const n of sizes) {
    out.push(s);
    s += Math.max(1, n);
  }
  return out;
}
