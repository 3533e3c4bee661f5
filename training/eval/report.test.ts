import { describe, expect, it } from 'vitest';
import type { EvalReport } from './report.ts';
import { recallCurveSvg, toMarkdown } from './report.ts';
import type { RetrievalMetrics, RetrievalResult } from './retrieval.ts';

const metrics = (r: number): RetrievalMetrics => ({
  queries: 10,
  recall_at_50: r / 2,
  recall_at_100: r,
  recall_at_200: r * 1.5,
  ndcg_at_10: r / 5,
  ndcg_at_50: r / 3,
  hit_rate_at_50: r,
});
const result = (model: string, r: number): RetrievalResult => ({
  model,
  overall: metrics(r),
  warmUsers: metrics(r),
  coldUsers: metrics(r / 2),
  coldVideos: metrics(0),
  coverage_at_100: 0.5,
  recallCurve: Array.from({ length: 20 }, (_, i) => ({ k: (i + 1) * 10, recall: (r * (i + 1)) / 20 })),
  historyMasked: metrics(r + 0.02),
  perQuery: { users: [], recall_at_100: [], ndcg_at_10: [] },
});

describe('evaluation report', () => {
  const report: EvalReport = {
    dataset: 'd',
    dataHash: 'abc',
    period: 'test',
    retrieval: [result('mf', 0.3), result('a<b', 0.1)],
    ranking: [],
  };

  it('writes one markdown row per model with its recall@100', () => {
    const md = toMarkdown(report);
    expect(md).toMatch(/\| mf \| 10 \| 0\.1500 \| 0\.3000 \|/);
    expect(md).toContain('| a<b |');
    expect(md).toMatch(/history-masked R@100 \(secondary\)/);
    expect(md).toMatch(/\| mf \|.*\| 0\.3200 \|$/m);
  });

  it('draws one escaped, labelled polyline of 20 points per model', () => {
    const svg = recallCurveSvg(report.retrieval);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const lines = svg.match(/<polyline points="([^"]+)"/g) ?? [];
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(' ').length).toBe(21);
    expect(svg).toContain('a&lt;b');
    expect(svg).not.toContain('NaN');
  });
});
