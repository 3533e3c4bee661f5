/**
 * Frozen feed settings for tests: a copy of `experiments/feed.yaml` and `value-model.yaml` taken when the
 * tests were written, so tuning the live files (a quota, a weight, a new experiment) never changes what a
 * test sees. A new component still needs its settings here, as it does in the live file; the live file
 * itself is checked by one test in `config.test.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SettingsSlot } from '../../pipeline/settings.ts';
import { type FeedConfig, parseFeedConfig } from '../config.ts';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const zeroQuotas = (except: Record<string, number>) => ({
  two_tower: { quota: 0 },
  following: { quota: 0 },
  trending: { quota: 0 },
  similar: { quota: 0 },
  fresh: { quota: 0 },
  explore: { quota: 0 },
  interests: { quota: 0 },
  rewatch: { quota: 0 },
  ...Object.fromEntries(Object.entries(except).map(([k, quota]) => [k, { quota }])),
});
const baselineRerankers = (order: 'popular' | 'random') => ({
  policy_order: { order },
  freshness_boost: { boost: 0 },
  author_diversity: { max_per_author: 1000 },
  topic_discovery: { max_per_tag: 0 },
  exploration_slot: { slots: 0 },
});

/** What `experiments/feed.yaml` holds, as an object. */
export const TEST_FEED_FILE = deepFreeze({
  defaults: {
    sources: {
      two_tower: { quota: 150, timeout_ms: 150 },
      following: { quota: 100, timeout_ms: 100 },
      trending: { quota: 100, timeout_ms: 100 },
      similar: { quota: 100, timeout_ms: 150, seeds: 5 },
      fresh: { quota: 50, timeout_ms: 100, max_age_hours: 72, exposure_budget: 200 },
      explore: { quota: 3, timeout_ms: 50 },
      popular: { quota: 50, timeout_ms: 50 },
      interests: { quota: 100, timeout_ms: 100, cold_history_max: 5, learned_tags: 3, order: 'long_view_rate' },
      rewatch: { quota: 3, timeout_ms: 50, min_gap_hours: 24, dry_below: 10, max_per_page: 1, seen_memory: 2000 },
    },
    rerankers: {
      creator_exposure_cap: { cap_per_hour: 100000 },
      freshness_boost: { boost: 0.3, half_life_hours: 24 },
      author_diversity: { max_per_author: 2 },
      exploration_slot: { slots: 1 },
      policy_order: { order: 'ranked' },
      topic_discovery: { max_per_tag: 2 },
    },
  },
  session_ttl_s: 3600,
  experiments: [
    {
      name: 'fresh-exposure',
      enabled: true,
      arms: [
        { name: 'control', weight: 50 },
        {
          name: 'more-fresh',
          weight: 50,
          overrides: { sources: { fresh: { quota: 100 } }, rerankers: { freshness_boost: { boost: 0.6 } } },
        },
      ],
    },
    {
      name: 'policy-baselines',
      enabled: false,
      arms: [
        { name: 'pipeline', weight: 1 },
        {
          name: 'popular',
          weight: 1,
          overrides: { sources: zeroQuotas({ popular: 2000 }), rerankers: baselineRerankers('popular') },
        },
        {
          name: 'random',
          weight: 1,
          overrides: { sources: zeroQuotas({ explore: 200, popular: 0 }), rerankers: baselineRerankers('random') },
        },
      ],
    },
  ],
});

/** What `experiments/value-model.yaml` holds, as an object. */
export const TEST_VALUE_MODEL = deepFreeze({
  weights: {
    click: 0.5,
    longView: 1.0,
    like: 2.0,
    follow: 3.0,
    comment: 1.5,
    forward: 2.0,
    watchRatio: 0.5,
    hate: -4.0,
  },
  combine: {
    retrieval_weight: 1.0,
    retrieval_temperature: 0.07,
    content_temperature: 1.0,
    ranker_weight: 0.5,
    value_floor: 0.001,
    rank_top_n: 100,
    keep_per_source: 10,
    keep_per_author: 10,
  },
});

/** The frozen settings as YAML texts, for tests of the parser. */
export const testFeedYaml = () => stringify(TEST_FEED_FILE);
export const testValueModelYaml = () => stringify(TEST_VALUE_MODEL);

/** The frozen settings bound to `slots`, as `loadFeedConfig` binds the live files. */
export function testFeedConfig(slots: readonly SettingsSlot<unknown>[]): FeedConfig {
  return parseFeedConfig(testFeedYaml(), testValueModelYaml(), slots, 'feed/for-you/testing/feed-settings.ts');
}

/** Writes the frozen settings as `feed.yaml` and `value-model.yaml` into `dir` (for FEED_CONFIG_DIR); returns `dir`. */
export function writeTestFeedConfig(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'feed.yaml'), testFeedYaml());
  writeFileSync(join(dir, 'value-model.yaml'), testValueModelYaml());
  return dir;
}
