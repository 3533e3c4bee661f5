import { describe, expect, it } from 'vitest';
import { datasetStats, formatStats } from './stats.ts';
import { generateSynthetic, syntheticSplit } from './synthetic.ts';

describe('generateSynthetic', () => {
  const ds = generateSynthetic({ users: 300, videos: 200, examples: 8000, seed: 5 });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateSynthetic({ users: 300, videos: 200, examples: 8000, seed: 5 });
    expect(again.train.slice(0, 50)).toEqual(ds.train.slice(0, 50));
    expect(again.dataHash).toBe(ds.dataHash);
    const other = generateSynthetic({ users: 300, videos: 200, examples: 8000, seed: 6 });
    expect(other.train.slice(0, 50)).not.toEqual(ds.train.slice(0, 50));
  });

  it('splits in time order on its own boundaries', () => {
    const b = syntheticSplit({ seed: 5 });
    expect(ds.train.every((e) => e.timeMs < b.validationStartMs)).toBe(true);
    expect(ds.validation.every((e) => e.timeMs >= b.validationStartMs && e.timeMs < b.testStartMs)).toBe(true);
    expect(ds.test.every((e) => e.timeMs >= b.testStartMs)).toBe(true);
    const all = [...ds.train, ...ds.validation, ...ds.test];
    expect(all.every((e, i) => i === 0 || all[i - 1]!.timeMs <= e.timeMs)).toBe(true);
    expect(ds.test.length).toBeGreaterThan(0);
  });

  it('has plausible label rates and cold users in test', () => {
    const s = datasetStats(ds);
    const m = s.splits.train.labelMeans;
    expect(m.longView).toBeGreaterThan(0.2);
    expect(m.longView).toBeLessThan(0.7);
    expect(m.like).toBeGreaterThan(0.005);
    expect(m.like).toBeLessThan(0.1);
    expect(s.coldInTest.users).toBeGreaterThan(0);
    expect(formatStats(s)).toContain('| train |');
  });

  it('rejects sizes too small to plant clusters', () => {
    expect(() => generateSynthetic({ users: 2 })).toThrow(/at least 10 users/);
  });
});
