import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../data/encode.ts';
import { topK } from '../eval/metrics.ts';

/** What `buildIndex` wrote and how well it agrees with exact search. */
export interface IndexResult {
  kind: 'usearch' | 'brute-force';
  file: string;
  recallAt10: number;
  checkQueries: number;
}

/**
 * Builds an inner-product HNSW index with usearch (keys are row numbers; `ids` map them back) and
 * checks recall@10 against exact search on a sample of the vectors themselves as queries. Falls back
 * to an exact description file when usearch cannot load. The serving ANN port lives elsewhere.
 */
export async function buildIndex(
  vectors: Float32Array,
  ids: readonly string[],
  dim: number,
  opts: { out?: string; dir: string; bruteForce?: boolean; seed?: number },
): Promise<IndexResult> {
  const n = ids.length;
  if (!Number.isInteger(dim) || dim <= 0 || vectors.length !== n * dim) {
    throw new Error(`index: ${vectors.length} values do not make ${n} vectors of dimension ${dim}`);
  }
  const exact = (q: Float32Array) => {
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let p = 0; p < dim; p++) d += q[p]! * vectors[i * dim + p]!;
      s[i] = d;
    }
    return topK(s, 10);
  };
  const rand = seededRandom(opts.seed ?? 1);
  const sample = Array.from({ length: Math.min(100, n) }, () => Math.floor(rand() * n));
  let usearch: typeof import('usearch') | undefined;
  if (!opts.bruteForce) {
    try {
      usearch = (await import('usearch')).default as unknown as typeof import('usearch');
    } catch {
      usearch = undefined;
    }
  }
  if (!usearch) {
    const file = opts.out ?? join(opts.dir, 'videos.brute.json');
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'brute-force',
        metric: 'ip',
        dim,
        count: n,
        vectors: 'video_embeddings.f32',
        ids: 'video_ids.json',
      }),
    );
    return { kind: 'brute-force', file, recallAt10: 1, checkQueries: 0 };
  }
  const index = new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
    multi: false,
  });
  const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i));
  index.add(keys, vectors);
  let hits = 0;
  for (const i of sample) {
    const q = vectors.subarray(i * dim, (i + 1) * dim);
    const truth = new Set(exact(q));
    const found = index.search(q, 10, 0) as { keys: BigUint64Array };
    for (const k of found.keys) if (truth.has(Number(k))) hits++;
  }
  const file = opts.out ?? join(opts.dir, 'videos.usearch');
  index.save(file);
  return {
    kind: 'usearch',
    file,
    recallAt10: sample.length > 0 ? hits / (sample.length * 10) : 1,
    checkQueries: sample.length,
  };
}
