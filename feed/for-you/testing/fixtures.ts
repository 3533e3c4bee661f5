import type { CatalogVideo } from '../../../retrieval/catalog.ts';
import {
  bindSettings,
  patchSettings,
  type SettingsSlot,
  type SettingsTree,
  settingsOf,
} from '../../pipeline/settings.ts';
import { feedSettingsSlots } from '../pipelines.ts';
import { type Candidate, emptyViewer, type FeedQuery } from '../types.ts';

/**
 * Settings for tests, fixed here rather than read from `experiments/feed.yaml`, so that tuning the
 * live config never changes what a test checks. Bound like the real file (every slot present).
 */
export const TEST_SETTINGS: SettingsTree = bindSettings(
  feedSettingsSlots(),
  {
    sources: {
      two_tower: { quota: 150, timeout_ms: 150 },
      following: { quota: 100, timeout_ms: 100 },
      trending: { quota: 100, timeout_ms: 100 },
      similar: { quota: 100, timeout_ms: 150, seeds: 5 },
      fresh: { quota: 50, timeout_ms: 100, max_age_hours: 72, exposure_budget: 200 },
      explore: { quota: 3, timeout_ms: 50 },
      popular: { quota: 50, timeout_ms: 50 },
      interests: { quota: 100, timeout_ms: 100, cold_history_max: 5 },
      rewatch: { quota: 3, timeout_ms: 50, min_age_hours: 24, dry_below: 2 },
    },
    rerankers: {
      creator_exposure_cap: { cap_per_hour: 100_000 },
      freshness_boost: { boost: 0.3, half_life_hours: 24 },
      author_diversity: { max_per_author: 2 },
      exploration_slot: { slots: 1 },
      policy_order: { order: 'ranked' },
      topic_discovery: { max_per_tag: 2 },
    },
    value_model: {
      weights: { click: 0.5, longView: 1, like: 2, follow: 3, comment: 1.5, forward: 2, watchRatio: 0.5, hate: -4 },
      combine: {
        retrieval_weight: 1,
        retrieval_temperature: 0.07,
        ranker_weight: 0.5,
        value_floor: 0.001,
        rank_top_n: 100,
        keep_per_source: 10,
      },
    },
  },
  'TEST_SETTINGS',
);

/** A fixed "now" for fixtures. */
export const NOW = 1_750_000_000_000;

/** A public catalogue video with overridable fields. */
export function video(id: string, o: Partial<CatalogVideo> = {}): CatalogVideo {
  return {
    id,
    authorId: `a-${id}`,
    privacy: 'public',
    hashtags: [],
    caption: '',
    createdAt: NOW - 3_600_000,
    durationMs: 15_000,
    version: 1,
    posterKey: null,
    stats: { views: 0, likes: 0, comments: 0, shares: 0 },
    ...o,
  };
}

/** A candidate of a video proposed by one source. */
export function candidate(v: CatalogVideo, o: Partial<Candidate> = {}): Candidate {
  return { video: v, sources: [{ source: 'test', rank: 0, score: 0 }], propensity: 1, score: 0, rules: [], ...o };
}

/** A signed-in viewer's query with the test settings. */
export function query(o: Partial<FeedQuery> = {}): FeedQuery {
  return {
    requestId: 'req-1',
    feedType: 'for_you',
    actor: 'u:viewer',
    userId: 'viewer',
    limit: 10,
    nowMs: NOW,
    sessionId: 'sess-1',
    sessionSeen: new Set(),
    settings: TEST_SETTINGS,
    arms: [],
    index: undefined,
    viewer: emptyViewer(),
    ...o,
  };
}

/** Ids of candidates, for compact assertions. */
export const ids = (cs: readonly Candidate[]) => cs.map((c) => c.video.id);

/** `q` with `patch` deep-merged over its settings (bound again, so a bad patch fails the test). */
export function withSettings(q: FeedQuery, patch: Record<string, unknown>): FeedQuery {
  q.settings = patchSettings(feedSettingsSlots(), q.settings, patch, 'test patch');
  return q;
}

/** A component's settings in the test settings. */
export const testSettingsOf = <S>(s: SettingsSlot<S>): S => settingsOf(TEST_SETTINGS, s);
