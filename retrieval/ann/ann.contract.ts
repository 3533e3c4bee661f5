import { describe, expect, it } from 'vitest';
import { BruteForceIndex } from './ann.brute-force.ts';
import { loadAnnIndex } from './open.ts';
import type { AnnIndex } from './ports.ts';
import { clusteredUnitVectors } from './synthetic-vectors.ts';

/** recall@k of `got` against the exact answer, averaged over queries. */
export function recallAgainst(exact: { keys: number[] }[], got: { keys: number[] }[]): number {
  let hit = 0;
  let total = 0;
  for (let q = 0; q < exact.length; q++) {
    const truth = new Set(exact[q]!.keys);
    total += truth.size;
    for (const k of got[q]!.keys) if (truth.has(k)) hit++;
  }
  return total === 0 ? 1 : hit / total;
}

/** Every behaviour an AnnIndex promises, checked against brute force as the oracle. */
export function describeAnnContract(name: string, create: (dims: number) => AnnIndex, minRecall: number) {
  const dims = 32;
  const n = 5000;
  const data = clusteredUnitVectors(n, dims, 50, 11);
  const queries = clusteredUnitVectors(100, dims, 50, 12);
  const keys = Array.from({ length: n }, (_, i) => i * 3 + 1);

  describe(`AnnIndex contract: ${name}`, () => {
    it('answers nothing from an empty index', () => {
      const index = create(dims);
      expect(index.size()).toBe(0);
      expect(index.search(queries.subarray(0, dims), 10)).toEqual({ keys: [], scores: [] });
    });

    it(`reaches recall@10 ≥ ${minRecall} of brute force on clustered data, scores descending`, () => {
      const index = create(dims);
      const exact = new BruteForceIndex(dims);
      index.add(keys, data);
      exact.add(keys, data);
      expect(index.size()).toBe(n);
      const got = index.searchBatch(queries, 10);
      const truth = exact.searchBatch(queries, 10);
      expect(recallAgainst(truth, got)).toBeGreaterThanOrEqual(minRecall);
      for (const r of got) {
        expect(r.keys).toHaveLength(10);
        for (let i = 1; i < r.scores.length; i++) expect(r.scores[i]!).toBeLessThanOrEqual(r.scores[i - 1]! + 1e-6);
      }
      // Scores are inner products: recompute one.
      const top = got[0]!;
      const row = keys.indexOf(top.keys[0]!);
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += data[row * dims + j]! * queries[j]!;
      expect(top.scores[0]!).toBeCloseTo(dot, 4);
    });

    it('finds a vector as its own nearest neighbour', () => {
      const index = create(dims);
      index.add(keys.slice(0, 500), data.subarray(0, 500 * dims));
      for (const i of [0, 17, 499])
        expect(index.search(data.subarray(i * dims, (i + 1) * dims), 1).keys).toEqual([keys[i]]);
    });

    it('replaces the vector of a key added again, and forgets removed keys', () => {
      const index = create(dims);
      index.add(keys.slice(0, 200), data.subarray(0, 200 * dims));
      const target = data.subarray(300 * dims, 301 * dims);
      index.add([keys[5]!], target);
      expect(index.size()).toBe(200);
      expect(index.search(target, 1).keys).toEqual([keys[5]]);
      index.remove([keys[5]!, 999_999]);
      expect(index.size()).toBe(199);
      expect(index.search(target, 5).keys).not.toContain(keys[5]);
      index.add([keys[5]!], target);
      expect(index.search(target, 1).keys).toEqual([keys[5]]);
    });

    it('gives identical answers after serialize and load', () => {
      const index = create(dims);
      index.add(keys.slice(0, 2000), data.subarray(0, 2000 * dims));
      const before = index.searchBatch(queries.subarray(0, 20 * dims), 20);
      const restored = loadAnnIndex(index.serialize());
      expect(restored.kind).toBe(index.kind);
      expect(restored.size()).toBe(index.size());
      expect(restored.searchBatch(queries.subarray(0, 20 * dims), 20).map((r) => r.keys)).toEqual(
        before.map((r) => r.keys),
      );
    });

    it('rejects vectors and queries of the wrong shape', () => {
      const index = create(dims);
      expect(() => index.add([1, 2], new Float32Array(dims))).toThrow(/2 keys but 1 vectors/);
      expect(() => index.add([1], new Float32Array(dims + 1))).toThrow(/multiple of dims/);
      expect(() => index.search(new Float32Array(dims - 1), 3)).toThrow(/dims/);
    });
  });
}
