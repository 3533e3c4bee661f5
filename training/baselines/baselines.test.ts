import { describe, expect, it } from 'vitest';
import { buildRankingInputs } from '../data/features.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { evaluateRanking } from '../eval/ranking.ts';
import { buildRetrievalCases, evaluateRetrieval } from '../eval/retrieval.ts';
import { ITEM_KNN_GRID, itemKnn, tunedItemKnn } from './item-knn.ts';
import { lbfgs } from './lbfgs.ts';
import { trainLogReg } from './logreg.ts';
import { trainMf } from './mf.ts';
import { mostPopular, randomModel, tunedDecayedPopular } from './popular.ts';

const ds = generateSynthetic({ users: 800, videos: 1000, examples: 30_000, seed: 21 });
const cases = buildRetrievalCases(ds, 'test');
const recall = (m: Parameters<typeof evaluateRetrieval>[0]) =>
  evaluateRetrieval(m, cases, ds.videos.length).overall.recall_at_100;

describe('retrieval baselines on planted clusters', () => {
  const randomRecall = recall(randomModel(ds.videos.length));

  it('has test queries to judge by', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it('most popular beats random', () => {
    expect(recall(mostPopular(ds))).toBeGreaterThan(randomRecall + 0.05);
  });

  it('decayed popular beats random and reports its tuning grid', () => {
    const tuned = tunedDecayedPopular(ds);
    expect(tuned.grid.length).toBeGreaterThan(3);
    expect(tuned.grid.map((g) => g.hours)).toContain(tuned.halfLifeHours);
    expect(recall(tuned.model)).toBeGreaterThan(randomRecall + 0.05);
  });

  it('item-kNN beats random and popularity (it sees the clusters)', () => {
    const knn = recall(itemKnn(ds));
    expect(knn).toBeGreaterThan(randomRecall + 0.2);
    expect(knn).toBeGreaterThan(recall(mostPopular(ds)));
  });

  it('item-kNN tunes its popularity blend and history length on validation only', () => {
    const val = buildRetrievalCases(ds, 'validation');
    const t = tunedItemKnn(ds, {}, (m) => evaluateRetrieval(m, val, ds.videos.length).overall.recall_at_100);
    expect(t.grid).toHaveLength(ITEM_KNN_GRID.popularityWeight.length * ITEM_KNN_GRID.historyLength.length);
    expect(ITEM_KNN_GRID.popularityWeight).toContain(t.chosen.popularityWeight);
    expect(recall(t.model)).toBeGreaterThan(recall(mostPopular(ds)));
  });

  it('matrix factorisation beats random and popularity', () => {
    const mf = recall(trainMf(ds, ds.train, { iterations: 4, factors: 16 }));
    expect(mf).toBeGreaterThan(randomRecall + 0.2);
    expect(mf).toBeGreaterThan(recall(mostPopular(ds)));
  });

  it('random scores are seeded', () => {
    const q = cases.slice(0, 2).map((c) => c.query);
    expect(randomModel(ds.videos.length, 9).scoreAll(q)).toEqual(randomModel(ds.videos.length, 9).scoreAll(q));
  });
});

describe('L-BFGS', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const x = new Float64Array([-1.2, 1]);
    const r = lbfgs(
      (p, g) => {
        const [a, b] = [p[0]!, p[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      x,
      { maxIterations: 500, tolerance: 1e-8 },
    );
    expect(x[0]).toBeCloseTo(1, 4);
    expect(x[1]).toBeCloseTo(1, 4);
    expect(r.gradNorm).toBeLessThan(1e-4);
  });
});

describe('logistic regression ranker', () => {
  it('L-BFGS converges and ranks at least as well as two epochs of Adam', () => {
    const inputs = buildRankingInputs(ds);
    const lb = evaluateRanking(trainLogReg(inputs.train).model, inputs.validation).heads;
    const adam = evaluateRanking(
      trainLogReg(inputs.train, { solver: 'adam', epochs: 2 }).model,
      inputs.validation,
    ).heads;
    expect(lb.longView!.gauc).toBeGreaterThan(adam.longView!.gauc - 0.005);
    expect(lb.longView!.calibration).toBeGreaterThan(0.9);
    expect(lb.longView!.calibration).toBeLessThan(1.1);
  });

  it('fits one-hot video, author, tab, hour and duration weights, alone or beside the dense features', () => {
    const inputs = buildRankingInputs(ds);
    const ids = trainLogReg(inputs.train, { dense: false, maxIterations: 40 }, undefined, ds.videos);
    expect(ids.weights.sparse?.sizes.video).toBe(ds.videos.length);
    expect(ids.weights.heads.longView.w.every((w) => w === 0)).toBe(true);
    const r = evaluateRanking(ids.model, inputs.validation);
    expect(r.heads.longView!.auc).toBeGreaterThan(0.55);
    const both = trainLogReg(inputs.train, { maxIterations: 5 }, undefined, ds.videos);
    expect(both.weights.heads.like.sparse).toHaveLength(ids.weights.heads.like.sparse!.length);
  });

  it('ranks long views and likes better than chance on test impressions', () => {
    const inputs = buildRankingInputs(ds);
    const { model, weights } = trainLogReg(inputs.train, { solver: 'adam', epochs: 1 });
    const r = evaluateRanking(model, inputs.test);
    expect(r.heads.longView!.gauc).toBeGreaterThan(0.55);
    expect(r.heads.longView!.auc).toBeGreaterThan(0.6);
    expect(r.heads.like!.auc).toBeGreaterThan(0.6);
    expect(r.heads.longView!.calibration).toBeGreaterThan(0.8);
    expect(r.heads.longView!.calibration).toBeLessThan(1.25);
    expect(r.watchRatio!.aucLongView).toBeGreaterThan(0.6);
    expect(weights.mean).toHaveLength(inputs.train[0]!.features.length);
  });
});
