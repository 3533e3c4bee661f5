import { describe, expect, it } from 'vitest';
import { countBy, gini, histogram, lorenz, quantile, sortedValues, topShare } from './stats.ts';

describe('notebook statistics', () => {
  it('interpolates quantiles between order statistics', () => {
    const s = sortedValues([4, 1, 3, 2, 5]);
    expect(Array.from(s)).toEqual([1, 2, 3, 4, 5]);
    expect(quantile(s, 0)).toBe(1);
    expect(quantile(s, 0.5)).toBe(3);
    expect(quantile(s, 0.9)).toBeCloseTo(4.6);
    expect(quantile(s, 1)).toBe(5);
    expect(quantile(sortedValues([]), 0.5)).toBeNaN();
  });

  it('bins every value, clipping those outside the range into the end bins', () => {
    const bins = histogram([0, 0.5, 1, 1.5, 2, -3, 9], { bins: 2, min: 0, max: 2 });
    expect(bins).toEqual([
      { lo: 0, hi: 1, count: 3 },
      { lo: 1, hi: 2, count: 4 },
    ]);
    expect(histogram([5, 5, 5], { bins: 3 }).reduce((s, b) => s + b.count, 0)).toBe(3);
  });

  it('computes the Gini coefficient: 0 when equal, (n−1)/n when one item holds everything', () => {
    expect(gini([3, 3, 3, 3])).toBe(0);
    expect(gini([0, 0, 0, 8])).toBeCloseTo(0.75);
    expect(gini([1, 2, 3, 4])).toBeCloseTo(0.25);
    expect(gini([])).toBe(0);
    expect(() => gini([1, -1])).toThrow(/non-negative/);
  });

  it('draws a Lorenz curve from (0, 0) to (1, 1) below the diagonal, on it when equal', () => {
    const skewed = lorenz([1, 1, 1, 1, 1, 1, 1, 1, 1, 91], 10);
    expect(skewed[0]).toEqual({ itemShare: 0, amountShare: 0 });
    expect(skewed.at(-1)).toEqual({ itemShare: 1, amountShare: 1 });
    expect(skewed[9]!.amountShare).toBeCloseTo(0.09);
    for (const p of skewed) expect(p.amountShare).toBeLessThanOrEqual(p.itemShare + 1e-12);
    for (const p of lorenz([2, 2, 2, 2], 4)) expect(p.amountShare).toBeCloseTo(p.itemShare);
  });

  it('gives the share of the top fraction and counts keys most frequent first', () => {
    expect(topShare([1, 1, 1, 1, 1, 1, 1, 1, 1, 91], 0.1)).toBeCloseTo(0.91);
    expect(countBy(['b', 'a', 'b', 'c', 'a', 'b'], (x) => x)).toEqual([
      ['b', 3],
      ['a', 2],
      ['c', 1],
    ]);
  });
});
