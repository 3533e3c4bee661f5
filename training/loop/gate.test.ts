import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../eval/report.ts';
import type { RetrievalMetrics, RetrievalResult } from '../eval/retrieval.ts';
import { embeddingChecks, gateModel, DEFAULT_GATE_POLICY as policy } from './gate.ts';

const USERS = Array.from({ length: 400 }, (_, i) => i);

/** A retriever whose per-user recall@100 is `base` plus a user-dependent wobble (deterministic). */
function retriever(model: string, base: number, wobble = 0.2): RetrievalResult {
  const recall = USERS.map((u) => Math.min(1, Math.max(0, base + wobble * Math.sin(u * 1.7))));
  const m: RetrievalMetrics = {
    queries: USERS.length,
    recall_at_50: base,
    recall_at_100: base,
    recall_at_200: base,
    ndcg_at_10: base / 3,
    ndcg_at_50: base / 2,
    hit_rate_at_50: base,
  };
  return {
    model,
    overall: m,
    warmUsers: m,
    coldUsers: m,
    coldVideos: m,
    coverage_at_100: 0.5,
    recallCurve: [],
    historyMasked: m,
    perQuery: { users: USERS, recall_at_100: recall, ndcg_at_10: recall.map((r) => r / 3) },
  };
}

const report = (...retrieval: RetrievalResult[]): EvalReport => ({
  dataset: 'test',
  dataHash: 'x',
  period: 'validation',
  retrieval,
  ranking: [],
});

const failed = (d: ReturnType<typeof gateModel>) => d.checks.filter((c) => !c.passed).map((c) => c.check);

describe('the learning loop gate', () => {
  it('a first two-tower must beat the content index it would replace; a tie is refused', () => {
    const r = report(retriever('two_tower', 0.3), retriever('content', 0.3), retriever('most_popular', 0.1));
    const d = gateModel(r, { name: 'two_tower', production: null });
    expect(d.passed).toBe(false);
    expect(failed(d)).toEqual(['recall_at_100_vs_content']);
    expect(d.checks.find((c) => c.check === 'recall_at_100_vs_content')!.detail).toMatch(/must be better/);

    const better = report(retriever('two_tower', 0.36), retriever('content', 0.3), retriever('most_popular', 0.1));
    expect(gateModel(better, { name: 'two_tower', production: null }).passed).toBe(true);
  });

  it('once a two-tower serves, a successor need only not lose to the baselines and production', () => {
    const r = report(
      retriever('two_tower', 0.3),
      retriever('two_tower@production', 0.3),
      retriever('content', 0.3),
      retriever('most_popular', 0.1),
    );
    const d = gateModel(r, {
      name: 'two_tower',
      production: { recall_at_100: 0.3 },
      productionOnWindow: 'two_tower@production',
    });
    expect(failed(d)).toEqual([]);
    const worse = report(
      retriever('two_tower', 0.2),
      retriever('two_tower@production', 0.3),
      retriever('content', 0.2),
      retriever('most_popular', 0.1),
    );
    expect(
      failed(
        gateModel(worse, {
          name: 'two_tower',
          production: { recall_at_100: 0.3 },
          productionOnWindow: 'two_tower@production',
        }),
      ),
    ).toEqual(['recall_at_100_vs_production_same_window']);
  });

  it('a retriever that loses to most-popular is refused whatever serves', () => {
    const r = report(retriever('two_tower', 0.1), retriever('most_popular', 0.3));
    expect(failed(gateModel(r, { name: 'two_tower', production: { recall_at_100: 0.05 } }))).toEqual([
      'recall_at_100_vs_most_popular',
    ]);
  });

  it('refuses non-finite, zero and collapsed item vectors', () => {
    const dim = 8;
    const healthy = Float32Array.from({ length: 100 * dim }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    expect(embeddingChecks({ dim, vectors: healthy }, policy).every((c) => c.passed)).toBe(true);
    const nan = healthy.slice();
    for (let i = 0; i < 5 * dim; i++) nan[i] = Number.NaN;
    expect(embeddingChecks({ dim, vectors: nan }, policy).find((c) => !c.passed)?.check).toBe(
      'embeddings_finite_nonzero',
    );
    const collapsed = Float32Array.from({ length: 100 * dim }, (_, i) => 1 + (i % dim) * 0.01);
    expect(embeddingChecks({ dim, vectors: collapsed }, policy).find((c) => !c.passed)?.check).toBe(
      'embeddings_not_degenerate',
    );
  });
});
