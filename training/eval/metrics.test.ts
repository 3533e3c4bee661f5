import { describe, expect, it } from 'vitest';
import { auc, calibration, gauc, hitAtK, logLoss, ndcgAtK, recallAtK, topK } from './metrics.ts';

describe('retrieval metrics', () => {
  const ranked = [5, 3, 9, 1, 7];
  const positives = new Set([3, 7, 42]);

  it('recall@k counts positives in the first k over all positives', () => {
    expect(recallAtK(ranked, positives, 2)).toBeCloseTo(1 / 3);
    expect(recallAtK(ranked, positives, 5)).toBeCloseTo(2 / 3);
    expect(recallAtK(ranked, new Set(), 5)).toBe(0);
  });

  it('NDCG@k uses 1/log2(rank+1) gains against the ideal ordering', () => {
    // hits at ranks 2 and 5: (1/log2(3) + 1/log2(6)) / (1 + 1/log2(3) + 1/log2(4))
    const expected = (1 / Math.log2(3) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3) + 0.5);
    expect(ndcgAtK(ranked, positives, 5)).toBeCloseTo(expected, 10);
    expect(ndcgAtK([3, 7], new Set([3, 7]), 2)).toBeCloseTo(1);
  });

  it('hit@k is 1 only when a positive is in the first k', () => {
    expect(hitAtK(ranked, positives, 1)).toBe(0);
    expect(hitAtK(ranked, positives, 2)).toBe(1);
  });

  it('topK returns the best k, skips masked indices and breaks ties by index', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.5, 0.9, 0.3, 0.7]);
    expect([...topK(scores, 3)]).toEqual([1, 3, 5]);
    expect([...topK(scores, 3, new Set([1]))]).toEqual([3, 5, 2]);
    expect([...topK(scores, 10)]).toEqual([1, 3, 5, 2, 4, 0]);
  });

  it('topK agrees with a full sort on ties, NaN (lowest), masks and k beyond the unmasked', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 400);
      const scores = Float32Array.from({ length: n }, () => (rand() < 0.1 ? Number.NaN : Math.floor(rand() * 20)));
      const mask = new Set(Array.from({ length: Math.floor(rand() * n) }, () => Math.floor(rand() * (n + 5))));
      const k = 1 + Math.floor(rand() * (n + 10));
      const val = (i: number) => (Number.isNaN(scores[i]!) ? Number.NEGATIVE_INFINITY : scores[i]!);
      const expected = [...Array(n).keys()]
        .filter((i) => !mask.has(i))
        .sort((a, b) => val(b) - val(a) || a - b)
        .slice(0, k);
      expect([...topK(scores, k, mask)]).toEqual(expected);
    }
  });
});

describe('ranking metrics', () => {
  it('AUC equals the share of correctly ordered positive-negative pairs, ties counting half', () => {
    // pairs (pos, neg): (0.8,0.1) ok, (0.8,0.4) ok, (0.4,0.1) ok, (0.4,0.4) tie → 3.5 / 4
    expect(auc([0.8, 0.4, 0.1, 0.4], [1, 1, 0, 0])).toBeCloseTo(0.875);
    expect(auc([0.2, 0.9], [1, 0])).toBe(0);
    expect(auc([0.2, 0.9], [1, 1])).toBeNaN();
    // A broken model's NaN scores give NaN, not a hang in the tie loop.
    expect(auc([Number.NaN, 0.3, Number.NaN], [1, 0, 0])).toBeNaN();
  });

  it('GAUC weights per-user AUC by impressions and skips one-class users', () => {
    const preds = [0.9, 0.1, 0.2, 0.3, 0.8, 0.5, 0.6];
    const labels = [1, 0, 1, 0, 0, 1, 1];
    const users = [1, 1, 2, 2, 2, 3, 3];
    // user 1: AUC 1 (2 impressions); user 2: pos 0.2 vs negs 0.3, 0.8 → 0 (3 impressions); user 3 skipped.
    const g = gauc(preds, labels, users);
    expect(g.value).toBeCloseTo((1 * 2 + 0 * 3) / 5);
    expect(g.groups).toBe(2);
  });

  it('log loss and calibration match hand-computed values', () => {
    expect(logLoss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2);
    const c = calibration([0.2, 0.4, 0.6], [0, 1, 1], 2);
    expect(c.ratio).toBeCloseTo(1.2 / 2);
    expect(c.table.map((b) => b.count)).toEqual([2, 1]);
    expect(c.table[0]!.meanObserved).toBeCloseTo(0.5);
  });
});
