import type { RetrievalModel } from '../models/types.ts';

/** A trained model's files, the shapes serving must agree with, and the config that produced it. */
export interface Artifact {
  files: Record<string, Buffer>;
  dims: Record<string, number>;
  config: unknown;
}

/** A retrieval model that can be saved; models with video embeddings expose them for the ANN index. */
export interface SaveableRetrieval extends RetrievalModel {
  artifact(): Artifact;
  videoEmbeddings?(): { dim: number; vectors: Float32Array };
}

/** Raw little-endian bytes of a Float32Array (no copy). */
export function f32ToBuffer(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Raw little-endian bytes of an Int32Array (no copy). */
export function i32ToBuffer(a: Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A Float32Array copied out of a buffer (buffers may be unaligned views into a pool). */
export function bufferToF32(b: Buffer): Float32Array {
  if (b.byteLength % 4 !== 0) throw new Error(`float32 artifact has ${b.byteLength} bytes, not a multiple of 4`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** An Int32Array copied out of a buffer. */
export function bufferToI32(b: Buffer): Int32Array {
  if (b.byteLength % 4 !== 0) throw new Error(`int32 artifact has ${b.byteLength} bytes, not a multiple of 4`);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
