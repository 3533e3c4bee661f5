import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../data/encode.ts';
import { buildIndex } from './ann-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ann-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rand = seededRandom(3);
const n = 500;
const dim = 8;
const vectors = Float32Array.from({ length: n * dim }, () => rand() - 0.5);
const ids = Array.from({ length: n }, (_, i) => `v${i}`);

describe('buildIndex', () => {
  it('writes a usearch index that agrees with exact search', async () => {
    const r = await buildIndex(vectors, ids, dim, { dir });
    expect(r.kind).toBe('usearch');
    expect(statSync(r.file).size).toBeGreaterThan(n * dim * 4);
    expect(r.recallAt10).toBeGreaterThan(0.9);
  });

  it('falls back to an exact index description on request', async () => {
    const r = await buildIndex(vectors, ids, dim, { dir, bruteForce: true });
    expect(r.kind).toBe('brute-force');
    expect(r.file.endsWith('videos.brute.json')).toBe(true);
  });

  it('rejects vectors that do not match the ids and dimension', async () => {
    await expect(buildIndex(vectors, ids.slice(1), dim, { dir })).rejects.toThrow(/do not make 499 vectors/);
  });
});
