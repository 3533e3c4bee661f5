import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RankerHolder } from '../../ranking/ranker-holder.ts';
import { valueBreakdown } from '../../ranking/value-model.ts';
import { assignArms, loadFeedConfig, parseFeedConfig, settingsFor } from './config.ts';
import { modelScorer } from './scorers/model.scorer.ts';
import { candidate, query, video } from './testing/fixtures.ts';

const dir = new URL('../../experiments/', import.meta.url).pathname;
const valueYaml = readFileSync(`${dir}/value-model.yaml`, 'utf8');

describe('feed config, arms and the value model', () => {
  it('loads the repository’s feed.yaml and value-model.yaml', () => {
    const c = loadFeedConfig();
    expect(c.defaults.sources.two_tower.quota).toBeGreaterThan(0);
    expect(c.defaults.value_weights.hate).toBeLessThan(0);
  });

  it('names the bad field of an invalid config', () => {
    const bad = readFileSync(`${dir}/feed.yaml`, 'utf8').replace('quota: 150', 'quota: -1');
    expect(() => parseFeedConfig(bad, valueYaml)).toThrow(/defaults\.sources\.two_tower\.quota/);
    expect(() => parseFeedConfig(readFileSync(`${dir}/feed.yaml`, 'utf8'), 'weights: { hate: 2 }')).toThrow(/hate/);
  });

  it('buckets a viewer into the same arm every time and splits viewers about by weight', () => {
    const c = loadFeedConfig();
    expect(assignArms(c, 'u:42')).toEqual(assignArms(c, 'u:42'));
    const arms = Array.from({ length: 2000 }, (_, i) => assignArms(c, `u:${i}`)[0]!.arm);
    const share = arms.filter((a) => a === 'control').length / arms.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
  });

  it('applies an arm’s overrides over the defaults', () => {
    const c = loadFeedConfig();
    const s = settingsFor(c, [{ experiment: 'fresh-exposure', arm: 'more-fresh' }]);
    expect(s.sources.fresh.quota).toBe(100);
    expect(s.sources.fresh.max_age_hours).toBe(c.defaults.sources.fresh.max_age_hours);
    expect(settingsFor(c, [{ experiment: 'fresh-exposure', arm: 'control' }]).sources.fresh.quota).toBe(
      c.defaults.sources.fresh.quota,
    );
  });

  it('the value is the weighted sum of heads, with hate pulling it down', () => {
    const v = valueBreakdown({ like: 0.5, hate: 0.25, unknown: 9 }, { like: 2, hate: -4, follow: 3 });
    expect(v.terms).toEqual({ like: 1, hate: -1 });
    expect(v.value).toBe(0);
  });

  it('the model scorer ranks by value and records heads and terms; without a model it throws', async () => {
    const holder = new RankerHolder();
    const scorer = modelScorer(holder);
    const cs = [
      candidate(video('a'), { features: new Float32Array([0.9]) }),
      candidate(video('b'), { features: new Float32Array([0.1]) }),
    ];
    await expect(scorer.score(query(), cs)).rejects.toThrow(/no ranker/);
    // A one-feature model: like = x, hate = 1 - x.
    holder.swap({
      version: 'r1',
      featureDims: 1,
      predict: async (x) => ({ like: x.map((v) => v), hate: x.map((v) => 1 - v) }),
    });
    await scorer.score(query(), cs);
    expect(cs[0]!.score).toBeGreaterThan(cs[1]!.score);
    expect(cs[0]!.heads!.like).toBeCloseTo(0.9);
    expect(cs[0]!.valueTerms!.hate).toBeCloseTo(-0.4);
    expect(scorer.version()).toBe('r1');
  });
});
