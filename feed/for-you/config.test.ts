import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PinnedVersions } from '../../model-format/pinned-versions.ts';
import { RankerHolder } from '../../ranking/ranker-holder.ts';
import { valueBreakdown } from '../../ranking/value-model.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../pipeline/settings.ts';
import { assignArms, loadFeedConfig, parseFeedConfig, settingsFor } from './config.ts';
import { feedSettingsSlots } from './pipelines.ts';
import { modelScorer } from './scorers/model.scorer.ts';
import { VALUE_MODEL_SETTINGS } from './scorers/value-model.settings.ts';
import { FRESH_SETTINGS } from './sources/fresh.source.ts';
import { TWO_TOWER_SETTINGS } from './sources/two-tower.source.ts';
import { TEST_FEED_FILE, testFeedConfig, testFeedYaml, testValueModelYaml } from './testing/feed-settings.ts';
import { candidate, query, video, withSettings } from './testing/fixtures.ts';

const valueYaml = testValueModelYaml();
const feedYaml = testFeedYaml();
const slots = feedSettingsSlots();
/** The frozen feed file with `change` applied to a mutable copy, as YAML. */
function feedYamlWith(change: (f: typeof TEST_FEED_FILE) => void): string {
  const f = structuredClone(TEST_FEED_FILE);
  change(f);
  return stringify(f);
}

describe('feed config, arms and the value model', () => {
  it('loads the repository’s live feed.yaml and value-model.yaml (every other test reads frozen settings)', () => {
    const c = loadFeedConfig(slots);
    expect(settingsOf(c.defaults, TWO_TOWER_SETTINGS).quota).toBeGreaterThan(0);
    expect(settingsOf(c.defaults, VALUE_MODEL_SETTINGS).weights.hate).toBeLessThan(0);
  });

  it('names the bad field of an invalid config', () => {
    const bad = feedYamlWith((f) => {
      f.defaults.sources.two_tower.quota = -1;
    });
    expect(() => parseFeedConfig(bad, valueYaml, slots)).toThrow(/sources\.two_tower\.quota/);
    expect(() => parseFeedConfig(feedYaml, 'weights: { hate: 2 }', slots)).toThrow(/hate/);
    expect(() =>
      parseFeedConfig(feedYaml, 'weights: { like: 1 }\ncombine: { retrieval_temperature: 0 }', slots),
    ).toThrow(/value_model\.combine\.retrieval_temperature/);
  });

  it('refuses to start a pipeline whose component has no settings, instead of giving it a quota of 0', () => {
    const withNewSource = [...slots, slot('sources.brand_new', sourceBudgetSchema)];
    expect(() => parseFeedConfig(feedYaml, valueYaml, withNewSource)).toThrow(/sources\.brand_new: missing/);
  });

  it('refuses a setting that no component reads (a typo would otherwise be silently ignored)', () => {
    const typo = feedYamlWith((f) => {
      const sources: Record<string, unknown> = f.defaults.sources;
      sources.populer = sources.popular;
      delete sources.popular;
    });
    expect(() => parseFeedConfig(typo, valueYaml, slots)).toThrow(/sources\.populer: no component reads/);
  });

  it('refuses an arm whose overrides make settings invalid, at start', () => {
    const arm = feedYamlWith((f) => {
      (f.experiments[0]!.arms as unknown[])[1] = {
        name: 'more-fresh',
        weight: 50,
        overrides: { sources: { fresh: { quota: -5 } } },
      };
    });
    expect(() => parseFeedConfig(arm, valueYaml, slots)).toThrow(
      /arm fresh-exposure\/more-fresh.*sources\.fresh\.quota/,
    );
  });

  it('buckets a viewer into the same arm every time and splits viewers about by weight', () => {
    const c = testFeedConfig(slots);
    expect(assignArms(c, 'u:42')).toEqual(assignArms(c, 'u:42'));
    const arms = Array.from({ length: 2000 }, (_, i) => assignArms(c, `u:${i}`)[0]!.arm);
    const share = arms.filter((a) => a === 'control').length / arms.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
  });

  it('applies an arm’s overrides over the defaults', () => {
    const c = testFeedConfig(slots);
    const fresh = (t: typeof c.defaults) => settingsOf(t, FRESH_SETTINGS);
    const s = settingsFor(c, [{ experiment: 'fresh-exposure', arm: 'more-fresh' }]);
    expect(fresh(s).quota).toBe(100);
    expect(fresh(s).max_age_hours).toBe(fresh(c.defaults).max_age_hours);
    expect(fresh(settingsFor(c, [{ experiment: 'fresh-exposure', arm: 'control' }])).quota).toBe(
      fresh(c.defaults).quota,
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
    const q = query();
    await scorer.score(q, cs);
    expect(cs[0]!.score).toBeGreaterThan(cs[1]!.score);
    expect(cs[0]!.heads!.like).toBeCloseTo(0.9);
    expect(cs[0]!.valueTerms!.hate).toBeCloseTo(-0.4);
    expect(scorer.version(q)).toBe('r1');
  });

  it('an arm pinning ranker_version is scored by that version once loaded, production until then', async () => {
    const model = (version: string, like: number) => ({
      version,
      featureDims: 1,
      predict: async (x: Float32Array) => ({ like: x.map(() => like) }),
    });
    const holder = new RankerHolder();
    holder.swap(model('prod', 0.1));
    const loads: string[] = [];
    const pinned = new PinnedVersions({
      load: async (v: string) => {
        loads.push(v);
        return model(v, 0.7);
      },
    });
    const scorer = modelScorer(holder, pinned);
    const pinnedQuery = () => withSettings(query(), { value_model: { ranker_version: 'r7' } });
    const cs = [candidate(video('a'), { features: new Float32Array([0.5]) })];
    const first = pinnedQuery();
    await scorer.score(first, cs);
    expect(scorer.version(first)).toBe('prod');
    await pinned.ready('r7');
    const second = pinnedQuery();
    await scorer.score(second, cs);
    expect(scorer.version(second)).toBe('r7');
    expect(cs[0]!.heads!.like).toBeCloseTo(0.7);
    // Requests without the pin stay on production.
    const plain = query();
    await scorer.score(plain, cs);
    expect(scorer.version(plain)).toBe('prod');
    expect(loads).toEqual(['r7']);
  });
});
