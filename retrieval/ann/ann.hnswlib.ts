import hnswlib from 'hnswlib-node';
import { type AnnIndex, type AnnParams, type AnnResult, assertRows, defaultAnnParams } from './ports.ts';
import { frame, readBack, unframe, viaTempFile } from './temp-file.ts';

const MAGIC = 'FYHN1';
type Header = { magic: string; dims: number; params: AnnParams; capacity: number };

/** HNSW from hnswlib-node (compiled on install; single-threaded in this binding). */
export class HnswlibIndex implements AnnIndex {
  readonly kind = 'hnswlib' as const;
  readonly dims: number;
  private readonly params: AnnParams;
  private readonly index: hnswlib.HierarchicalNSW;
  private capacity: number;
  private readonly live = new Set<number>();
  /** Labels present in the graph, deleted ones included (a deleted label must be unmarked to reuse). */
  private readonly known = new Set<number>();

  constructor(dims: number, params: Partial<AnnParams> = {}, capacity = 1024, init = true) {
    this.dims = dims;
    this.params = { ...defaultAnnParams, ...params };
    this.capacity = capacity;
    this.index = new hnswlib.HierarchicalNSW('ip', dims);
    if (init) {
      this.index.initIndex({
        maxElements: capacity,
        m: this.params.connectivity,
        efConstruction: this.params.expansionAdd,
        randomSeed: 100,
        allowReplaceDeleted: true,
      });
      this.index.setEf(this.params.expansionSearch);
    }
  }

  size(): number {
    return this.live.size;
  }

  add(keys: readonly number[], vectors: Float32Array): void {
    assertRows(vectors, this.dims, keys.length);
    const needed = this.index.getCurrentCount() + keys.length;
    if (needed > this.capacity) {
      this.capacity = Math.max(needed, this.capacity * 2);
      this.index.resizeIndex(this.capacity);
    }
    for (let r = 0; r < keys.length; r++) {
      const key = keys[r]!;
      const row = Array.from(vectors.subarray(r * this.dims, (r + 1) * this.dims));
      if (!this.live.has(key) && this.known.has(key)) this.index.unmarkDelete(key);
      this.index.addPoint(row, key, false);
      this.live.add(key);
      this.known.add(key);
    }
  }

  remove(keys: readonly number[]): void {
    for (const key of keys) {
      if (!this.live.delete(key)) continue;
      this.index.markDelete(key);
    }
  }

  search(query: Float32Array, k: number): AnnResult {
    if (query.length !== this.dims) throw new Error(`ANN: query has ${query.length} dims, index has ${this.dims}`);
    const kk = Math.min(k, this.size());
    if (kk <= 0) return { keys: [], scores: [] };
    const r = this.index.searchKnn(Array.from(query), kk);
    return { keys: r.neighbors, scores: r.distances.map((d) => 1 - d) };
  }

  searchBatch(queries: Float32Array, k: number): AnnResult[] {
    const rows = assertRows(queries, this.dims);
    return Array.from({ length: rows }, (_, r) => this.search(queries.subarray(r * this.dims, (r + 1) * this.dims), k));
  }

  serialize(): Buffer {
    const payload = viaTempFile((path) => {
      this.index.writeIndexSync(path);
      return readBack(path);
    });
    const header: Header & { live: number[] } = {
      magic: MAGIC,
      dims: this.dims,
      params: this.params,
      capacity: this.capacity,
      live: [...this.live],
    };
    return frame(header, payload);
  }

  /** Restores `serialize()` output. */
  static deserialize(buf: Buffer): HnswlibIndex {
    const { header, payload } = unframe<Header & { live: number[] }>(buf);
    if (header.magic !== MAGIC) throw new Error('ANN: not an hnswlib index file');
    const index = new HnswlibIndex(header.dims, header.params, header.capacity, false);
    viaTempFile((path) => index.index.readIndexSync(path, true), payload);
    index.index.setEf(header.params.expansionSearch);
    for (const k of header.live) index.live.add(k);
    for (const k of index.index.getIdsList()) index.known.add(k);
    return index;
  }
}
