/** Nearest neighbours of one query, best first; `scores` are inner products (cosine on unit vectors). */
export interface AnnResult {
  keys: number[];
  scores: number[];
}

/** Build-time and search-time knobs; brute force ignores them. */
export interface AnnParams {
  /** Graph degree (HNSW M). */
  connectivity: number;
  /** Candidate list size while inserting (efConstruction). */
  expansionAdd: number;
  /** Candidate list size while searching (ef); raise for recall, lower for speed. */
  expansionSearch: number;
  /** Threads for batch add/search where the backend supports it. */
  threads: number;
}

export const defaultAnnParams: AnnParams = { connectivity: 16, expansionAdd: 128, expansionSearch: 128, threads: 2 };

/**
 * A maximum-inner-product index over unit vectors keyed by non-negative integers. Adding an existing key
 * replaces its vector. Search is safe while nothing is being added (the serving side swaps whole indexes).
 * @remarks No filtering inside the index: candidate filters run after retrieval, on a larger k.
 */
export interface AnnIndex {
  readonly kind: 'brute-force' | 'usearch' | 'hnswlib';
  readonly dims: number;
  size(): number;
  add(keys: readonly number[], vectors: Float32Array): void;
  remove(keys: readonly number[]): void;
  search(query: Float32Array, k: number): AnnResult;
  /** `queries` is n×dims row-major; one result per row. */
  searchBatch(queries: Float32Array, k: number): AnnResult[];
  /** A self-contained serialisation; `loadAnnIndex` restores an index with identical answers. */
  serialize(): Buffer;
}

/** Throws a clear error when a flat matrix does not hold whole rows of `dims`. */
export function assertRows(vectors: Float32Array, dims: number, expectedRows?: number): number {
  if (vectors.length % dims !== 0) {
    throw new Error(`ANN: vector data of length ${vectors.length} is not a multiple of dims ${dims}`);
  }
  const rows = vectors.length / dims;
  if (expectedRows !== undefined && rows !== expectedRows) {
    throw new Error(`ANN: ${expectedRows} keys but ${rows} vectors`);
  }
  return rows;
}
