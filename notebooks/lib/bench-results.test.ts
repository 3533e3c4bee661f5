import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasIntervals, metricRows, readBenchResult } from './bench-results.ts';

describe('benchmark results for notebooks', () => {
  it('reads the committed training benchmark: every model and metric, with the multi-seed intervals', () => {
    const result = readBenchResult('train');
    const rows = metricRows(result, 'retrieval');
    expect(rows.find((r) => r.model === 'most_popular' && r.metric === 'recall_at_100')?.value).toBeGreaterThan(0);
    expect(metricRows(result, 'ranking').some((r) => r.metric.startsWith('gauc_'))).toBe(true);
    expect(hasIntervals(rows)).toBe(true);
    expect(metricRows(result, 'no_such_section')).toEqual([]);
  });

  it('pairs <metric>_ci95 with its metric, as [lo, hi], {lo, hi}, a half-width or {mean, ci95}', () => {
    const result = {
      retrieval: {
        two_tower: { recall_at_100: 0.35, recall_at_100_ci95: [0.34, 0.36], ndcg_at_10: 0.04, ndcg_at_10_ci95: 0.002 },
        mf: {
          recall_at_100: { mean: 0.33, ci95: [0.32, 0.34] },
          recall_at_50: 0.2,
          recall_at_50_ci95: { lo: 0.19, hi: 0.21 },
        },
        broken: 'not an object',
      },
    };
    const rows = metricRows(result, 'retrieval');
    expect(rows).toEqual([
      { section: 'retrieval', model: 'two_tower', metric: 'recall_at_100', value: 0.35, lo: 0.34, hi: 0.36 },
      { section: 'retrieval', model: 'two_tower', metric: 'ndcg_at_10', value: 0.04, lo: 0.038, hi: 0.042 },
      { section: 'retrieval', model: 'mf', metric: 'recall_at_100', value: 0.33, lo: 0.32, hi: 0.34 },
      { section: 'retrieval', model: 'mf', metric: 'recall_at_50', value: 0.2, lo: 0.19, hi: 0.21 },
    ]);
    expect(hasIntervals(rows)).toBe(true);
  });

  it('reads from another results folder when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'foryou-bench-'));
    try {
      writeFileSync(join(dir, 'x.json'), JSON.stringify({ ranking: { ranker: { gauc_like: 0.6 } } }));
      expect(metricRows(readBenchResult('x', dir), 'ranking')).toEqual([
        { section: 'ranking', model: 'ranker', metric: 'gauc_like', value: 0.6 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
