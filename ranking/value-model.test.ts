import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../feature-store/definitions.ts';
import { modelScorer } from '../feed/for-you/scorers/model.scorer.ts';
import { VALUE_MODEL_SETTINGS } from '../feed/for-you/scorers/value-model.settings.ts';
import { candidate, query, testSettingsOf, video } from '../feed/for-you/testing/fixtures.ts';
import { RankerHolder } from './ranker-holder.ts';
import { type CombineSettings, combinedScore } from './value-model.ts';

const combine: CombineSettings = testSettingsOf(VALUE_MODEL_SETTINGS).combine;

describe('value model: retrieval prior × ranker value', () => {
  it('adds the weighted prior to the weighted log of the value, flooring the value', () => {
    const c = { ...combine, retrieval_weight: 2, ranker_weight: 0.5, value_floor: 0.01 };
    expect(combinedScore(1.5, Math.E, c)).toBeCloseTo(2 * 1.5 + 0.5);
    // A "not interested" prediction can make the value negative: it counts as the floor, not NaN.
    expect(combinedScore(0, -3, c)).toBeCloseTo(0.5 * Math.log(0.01));
    expect(combinedScore(0, Number.NaN, c)).toBeCloseTo(0.5 * Math.log(0.01));
  });

  it('lets a strong prior outrank a slightly better ranker value, and a much better value win', async () => {
    const holder = new RankerHolder();
    // A one-feature model: longView = x.
    holder.swap({ version: 'r', featureDims: 1, predict: async (x) => ({ longView: x.map((v) => v) }) });
    const q = query();
    q.settings = {
      ...q.settings,
      value_model: { weights: { longView: 1 }, combine: { ...combine, ranker_weight: 1 } },
    };
    const likely = candidate(video('likely'), { prior: 3, features: new Float32Array([0.3]) });
    const niche = candidate(video('niche'), { prior: 1, features: new Float32Array([0.5]) });
    const loved = candidate(video('loved'), { prior: 1, features: new Float32Array([0.3 * Math.exp(2.5)]) });
    await modelScorer(holder).score(q, [likely, niche, loved]);
    // ln(0.5/0.3) < 2 logits of prior; ln(e^2.5) > 2.
    expect(likely.score).toBeGreaterThan(niche.score);
    expect(loved.score).toBeGreaterThan(likely.score);
    expect(likely.valueTerms!.longView).toBeCloseTo(0.3);
    expect(likely.valueTerms!.prior).toBe(3);
  });

  it('with retrieval_weight 0 orders by the ranker value alone (the replay’s ablation)', async () => {
    const holder = new RankerHolder();
    holder.swap({ version: 'r', featureDims: 1, predict: async (x) => ({ longView: x.map((v) => v) }) });
    const q = query();
    q.settings = {
      ...q.settings,
      value_model: { weights: { longView: 1 }, combine: { ...combine, retrieval_weight: 0 } },
    };
    const a = candidate(video('a'), { prior: 9, features: new Float32Array([0.1]) });
    const b = candidate(video('b'), { prior: 0, features: new Float32Array([0.2]) });
    await modelScorer(holder).score(q, [a, b]);
    expect(b.score).toBeGreaterThan(a.score);
  });

  it('reads median_features at the request median, so exposure no longer orders the candidates', async () => {
    const d = FEATURE_NAMES.length;
    const imp = FEATURE_NAMES.indexOf('v_log_impressions_7d');
    const taste = FEATURE_NAMES.indexOf('x_tag_affinity_mean');
    const holder = new RankerHolder();
    // longView = 0.1 × log impressions + taste.
    holder.swap({
      version: 'r',
      featureDims: d,
      predict: async (x, n) => ({
        longView: Float32Array.from({ length: n }, (_, i) => 0.1 * x[i * d + imp]! + x[i * d + taste]!),
      }),
    });
    const make = () =>
      [
        [9, 0.1],
        [5, 0.2],
        [1, 0.3],
      ].map(([logImp, t], i) => {
        const f = new Float32Array(d);
        f[imp] = logImp!;
        f[taste] = t!;
        return candidate(video(`med-${i}`), { features: f });
      });
    const withMedian = (median_features: string[]) => {
      const q = query();
      q.settings = { ...q.settings, value_model: { weights: { longView: 1 }, combine, median_features } };
      return q;
    };
    const asIs = make();
    await modelScorer(holder).score(withMedian([]), asIs);
    expect(asIs[0]!.score).toBeGreaterThan(asIs[2]!.score);
    const atMedian = make();
    await modelScorer(holder).score(withMedian(['v_log_impressions_7d']), atMedian);
    expect(atMedian[2]!.score).toBeGreaterThan(atMedian[1]!.score);
    expect(atMedian[1]!.score).toBeGreaterThan(atMedian[0]!.score);
    expect(atMedian[1]!.heads!.longView).toBeCloseTo(0.7, 5);
    // The candidates keep their own features.
    expect(atMedian[0]!.features![imp]).toBe(9);
  });
});
