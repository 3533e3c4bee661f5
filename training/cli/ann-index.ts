import { seededRandom } from '../../core/random.ts';
import { BruteForceIndex } from '../../retrieval/ann/ann.brute-force.ts';
import type { AnnKind } from '../../retrieval/ann/open.ts';
import { buildSnapshot, type IndexSnapshot } from '../../retrieval/index-holder.ts';

/** The serving snapshot `buildIndex` made and how well it agrees with exact search. */
export interface IndexResult {
  snapshot: IndexSnapshot;
  kind: AnnKind;
  recallAt10: number;
  checkQueries: number;
}

/**
 * Builds the serving ANN snapshot (the same port and layout the feed loads) over `ids` and their
 * row-major vectors, then checks recall@10 against brute force with a sample of the vectors as queries.
 */
export function buildIndex(
  vectors: Float32Array,
  ids: readonly string[],
  dim: number,
  opts: { kind?: AnnKind; version: string; seed?: number },
): IndexResult {
  const n = ids.length;
  if (!Number.isInteger(dim) || dim <= 0 || vectors.length !== n * dim) {
    throw new Error(`index: ${vectors.length} values do not make ${n} vectors of dimension ${dim}`);
  }
  const kind = opts.kind ?? 'usearch';
  const snapshot = buildSnapshot(opts.version, ids, vectors, kind);
  const exact = new BruteForceIndex(dim, n);
  exact.add(
    ids.map((_, i) => i),
    vectors,
  );
  const rand = seededRandom(opts.seed ?? 1);
  const sample = Array.from({ length: Math.min(100, n) }, () => Math.floor(rand() * n));
  let hits = 0;
  for (const i of sample) {
    const q = vectors.subarray(i * dim, (i + 1) * dim);
    const truth = new Set(exact.search(q, 10).keys);
    for (const k of snapshot.index.search(q, 10).keys) if (truth.has(k)) hits++;
  }
  return {
    snapshot,
    kind,
    recallAt10: sample.length > 0 ? hits / (sample.length * Math.min(10, n)) : 1,
    checkQueries: sample.length,
  };
}
