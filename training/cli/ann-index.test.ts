import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/random.ts';
import { loadAnnIndex } from '../../retrieval/ann/open.ts';
import { buildIndex } from './ann-index.ts';

const rand = seededRandom(3);
const n = 500;
const dim = 8;
const vectors = Float32Array.from({ length: n * dim }, () => rand() - 0.5);
const ids = Array.from({ length: n }, (_, i) => `v${i}`);

describe('buildIndex', () => {
  it.each(['usearch', 'hnswlib', 'brute-force'] as const)(
    'builds a %s snapshot that agrees with exact search',
    (kind) => {
      const r = buildIndex(vectors, ids, dim, { kind, version: 'm@1' });
      expect(r.kind).toBe(kind);
      expect(r.snapshot.ids).toEqual(ids);
      expect(r.snapshot.index.kind).toBe(kind);
      expect(r.recallAt10).toBeGreaterThan(0.9);
      expect(loadAnnIndex(r.snapshot.index.serialize()).size()).toBe(n);
    },
  );

  it('rejects vectors that do not match the ids and dimension', () => {
    expect(() => buildIndex(vectors, ids.slice(1), dim, { version: 'm@1' })).toThrow(/do not make 499 vectors/);
  });
});
