import { describe, expect, it } from 'vitest';
import { averageRuns, bootstrapMean, formatEstimate, pairedBootstrap, seedEstimate, tQuantile975 } from './stats.ts';

describe('seedEstimate', () => {
  it('is mean ± t(n-1)·sd/√n, checked by hand for three seeds', () => {
    // mean 0.33, sd = 0.01, t(2) = 4.303 → half-width 4.303 · 0.01 / √3 = 0.024843.
    const e = seedEstimate([0.32, 0.33, 0.34]);
    expect(e.mean).toBeCloseTo(0.33, 12);
    expect(e.ci95[0]).toBeCloseTo(0.33 - 0.024843, 5);
    expect(e.ci95[1]).toBeCloseTo(0.33 + 0.024843, 5);
    expect(e.n).toBe(3);
  });
  it('gives one run a zero-width interval with n = 1', () => {
    expect(seedEstimate([0.5])).toEqual({ mean: 0.5, ci95: [0.5, 0.5], n: 1 });
  });
  it('uses 1.96 beyond the table', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(500)).toBe(1.96);
  });
});

describe('bootstrap', () => {
  it('brackets the mean and narrows with more units', () => {
    const small = Array.from({ length: 50 }, (_, i) => (i % 5) / 4);
    const large = Array.from({ length: 5000 }, (_, i) => (i % 5) / 4);
    const a = bootstrapMean(small);
    const b = bootstrapMean(large);
    expect(a.ci95[0]).toBeLessThan(a.mean);
    expect(a.ci95[1]).toBeGreaterThan(a.mean);
    expect(b.ci95[1] - b.ci95[0]).toBeLessThan((a.ci95[1] - a.ci95[0]) / 5);
  });
  it('is reproducible for a seed', () => {
    const xs = [1, 2, 3, 4, 10];
    expect(bootstrapMean(xs, { seed: 7 })).toEqual(bootstrapMean(xs, { seed: 7 }));
  });
  it('pairs units: a constant per-user gain has a tight interval even when users vary a lot', () => {
    const base = Array.from({ length: 400 }, (_, i) => (i * 37) % 100);
    const better = base.map((x) => x + 1);
    const d = pairedBootstrap(better, base);
    expect(d.mean).toBeCloseTo(1, 12);
    expect(d.ci95).toEqual([1, 1]);
    const noise = pairedBootstrap(
      base.map((x, i) => x + (i % 2 === 0 ? 1 : -1)),
      base,
    );
    expect(noise.ci95[0]).toBeLessThan(0);
    expect(noise.ci95[1]).toBeGreaterThan(0);
  });
  it('weights units (an impression-weighted GAUC difference)', () => {
    const e = bootstrapMean([1, 0], { weights: [3, 1] });
    expect(e.mean).toBeCloseTo(0.75, 12);
    expect(e.ci95[0]).toBeGreaterThanOrEqual(0);
    expect(e.ci95[1]).toBeLessThanOrEqual(1);
  });
  it('refuses unpaired inputs', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(/paired/);
  });
});

describe('averaging runs and formatting', () => {
  it('averages runs per unit and formats estimates', () => {
    expect(
      Array.from(
        averageRuns([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toEqual([2, 3]);
    expect(formatEstimate({ mean: 0.1234567, ci95: [0.1, 0.2], n: 3 }, 3)).toBe('0.123 [0.100, 0.200]');
  });
});
