import { describe, expect, it } from 'vitest';
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
});
