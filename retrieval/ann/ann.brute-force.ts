import { type AnnIndex, type AnnResult, assertRows } from './ports.ts';
import { TopK } from './top-k.ts';

const MAGIC = 'FYBF1';

/**
 * Exact search by scanning every vector: the oracle for the approximate backends, and the right choice
 * for catalogues of a few tens of thousands of videos, where it is fast enough and always exact.
 */
export class BruteForceIndex implements AnnIndex {
  readonly kind = 'brute-force' as const;
  readonly dims: number;
  private data: Float32Array;
  private keys: number[] = [];
  private readonly slot = new Map<number, number>();

  constructor(dims: number, capacity = 1024) {
    this.dims = dims;
    this.data = new Float32Array(dims * capacity);
  }

  size(): number {
    return this.keys.length;
  }

  add(keys: readonly number[], vectors: Float32Array): void {
    assertRows(vectors, this.dims, keys.length);
    for (let r = 0; r < keys.length; r++) {
      const key = keys[r]!;
      let s = this.slot.get(key);
      if (s === undefined) {
        s = this.keys.length;
        if ((s + 1) * this.dims > this.data.length) {
          const grown = new Float32Array(Math.max(this.data.length * 2, (s + 1) * this.dims));
          grown.set(this.data);
          this.data = grown;
        }
        this.keys.push(key);
        this.slot.set(key, s);
      }
      this.data.set(vectors.subarray(r * this.dims, (r + 1) * this.dims), s * this.dims);
    }
  }

  remove(keys: readonly number[]): void {
    for (const key of keys) {
      const s = this.slot.get(key);
      if (s === undefined) continue;
      const last = this.keys.length - 1;
      const lastKey = this.keys[last]!;
      this.data.copyWithin(s * this.dims, last * this.dims, (last + 1) * this.dims);
      this.keys[s] = lastKey;
      this.slot.set(lastKey, s);
      this.keys.pop();
      this.slot.delete(key);
    }
  }

  search(query: Float32Array, k: number): AnnResult {
    if (query.length !== this.dims) throw new Error(`ANN: query has ${query.length} dims, index has ${this.dims}`);
    const top = new TopK(Math.min(k, this.keys.length));
    const d = this.dims;
    const data = this.data;
    for (let s = 0, n = this.keys.length; s < n; s++) {
      let dot = 0;
      const o = s * d;
      for (let j = 0; j < d; j++) dot += data[o + j]! * query[j]!;
      if (dot > top.threshold) top.push(dot, this.keys[s]!);
    }
    return top.sorted();
  }

  searchBatch(queries: Float32Array, k: number): AnnResult[] {
    const rows = assertRows(queries, this.dims);
    return Array.from({ length: rows }, (_, r) => this.search(queries.subarray(r * this.dims, (r + 1) * this.dims), k));
  }

  serialize(): Buffer {
    const n = this.keys.length;
    const header = Buffer.from(JSON.stringify({ magic: MAGIC, dims: this.dims, n }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const keys = Buffer.from(new Float64Array(this.keys).buffer);
    const vecs = Buffer.from(this.data.buffer, this.data.byteOffset, n * this.dims * 4);
    return Buffer.concat([len, header, keys, vecs]);
  }

  /** Restores `serialize()` output. */
  static deserialize(buf: Buffer): BruteForceIndex {
    const hlen = buf.readUInt32LE(0);
    const header = JSON.parse(buf.subarray(4, 4 + hlen).toString()) as { magic: string; dims: number; n: number };
    if (header.magic !== MAGIC) throw new Error('ANN: not a brute-force index file');
    const off = 4 + hlen;
    const keys = new Float64Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + header.n * 8));
    const vecStart = buf.byteOffset + off + header.n * 8;
    const vecs = new Float32Array(buf.buffer.slice(vecStart, vecStart + header.n * header.dims * 4));
    const index = new BruteForceIndex(header.dims, Math.max(1, header.n));
    index.add(Array.from(keys), vecs);
    return index;
  }
}
