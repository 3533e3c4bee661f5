import { type BatchMatches, MetricKind, ScalarKind, Index as UsearchNative } from 'usearch';
import { type AnnIndex, type AnnParams, type AnnResult, assertRows, defaultAnnParams } from './ports.ts';
import { frame, readBack, unframe, viaTempFile } from './temp-file.ts';

const MAGIC = 'FYUS1';
type Header = { magic: string; dims: number; params: AnnParams };

/** HNSW from usearch (prebuilt native binaries, multi-threaded batch add and search). */
export class UsearchIndex implements AnnIndex {
  readonly kind = 'usearch' as const;
  readonly dims: number;
  private readonly params: AnnParams;
  private readonly index: UsearchNative;

  constructor(dims: number, params: Partial<AnnParams> = {}) {
    this.dims = dims;
    this.params = { ...defaultAnnParams, ...params };
    this.index = new UsearchNative({
      dimensions: dims,
      metric: MetricKind.IP,
      quantization: ScalarKind.F32,
      connectivity: this.params.connectivity,
      expansion_add: this.params.expansionAdd,
      expansion_search: this.params.expansionSearch,
      multi: false,
    });
  }

  size(): number {
    return this.index.size();
  }

  add(keys: readonly number[], vectors: Float32Array): void {
    assertRows(vectors, this.dims, keys.length);
    if (keys.length === 0) return;
    const big = BigUint64Array.from(keys, (k) => BigInt(k));
    // usearch refuses duplicate keys; an add of a known key is an update.
    const present = this.index.contains(big);
    const existing = (Array.isArray(present) ? present : [present]).flatMap((p, i) => (p ? [big[i]!] : []));
    if (existing.length) this.index.remove(BigUint64Array.from(existing));
    this.index.add(big, vectors, this.params.threads);
  }

  remove(keys: readonly number[]): void {
    if (keys.length) this.index.remove(BigUint64Array.from(keys, (k) => BigInt(k)));
  }

  search(query: Float32Array, k: number): AnnResult {
    if (query.length !== this.dims) throw new Error(`ANN: query has ${query.length} dims, index has ${this.dims}`);
    if (this.size() === 0 || k <= 0) return { keys: [], scores: [] };
    const m = this.index.search(query, Math.min(k, this.size()), 0);
    return { keys: Array.from(m.keys, Number), scores: Array.from(m.distances, (d: number) => 1 - d) };
  }

  searchBatch(queries: Float32Array, k: number): AnnResult[] {
    const rows = assertRows(queries, this.dims);
    if (this.size() === 0 || k <= 0 || rows === 0)
      return Array.from({ length: rows }, () => ({ keys: [], scores: [] }));
    const kk = Math.min(k, this.size());
    const m = this.index.search(queries, kk, this.params.threads) as unknown as BatchMatches;
    return Array.from({ length: rows }, (_, r) => {
      const count = Number(m.counts[r]);
      const keys: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < count; i++) {
        keys.push(Number(m.keys[r * kk + i]));
        scores.push(1 - m.distances[r * kk + i]!);
      }
      return { keys, scores };
    });
  }

  serialize(): Buffer {
    const payload = viaTempFile((path) => {
      this.index.save(path);
      return readBack(path);
    });
    return frame({ magic: MAGIC, dims: this.dims, params: this.params } satisfies Header, payload);
  }

  /** Restores `serialize()` output. */
  static deserialize(buf: Buffer): UsearchIndex {
    const { header, payload } = unframe<Header>(buf);
    if (header.magic !== MAGIC) throw new Error('ANN: not a usearch index file');
    const index = new UsearchIndex(header.dims, header.params);
    viaTempFile((path) => index.index.load(path), payload);
    return index;
  }
}
