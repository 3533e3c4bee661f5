import { Catalog, type CatalogVideo } from '../../../retrieval/catalog.ts';
import {
  bindSettings,
  patchSettings,
  type SettingsSlot,
  type SettingsTree,
  settingsOf,
} from '../../pipeline/settings.ts';
import { feedSettingsSlots } from '../pipelines.ts';
import { type Candidate, emptyViewer, type FeedQuery } from '../types.ts';
import { TEST_FEED_FILE, TEST_VALUE_MODEL } from './feed-settings.ts';

/**
 * Settings for tests: the frozen copy of the live files (`feed-settings.ts`), bound like the real file
 * (every slot present), with one change: `rewatch` goes dry below 2 items so small fixtures can exercise it.
 */
export const TEST_SETTINGS: SettingsTree = bindSettings(
  feedSettingsSlots(),
  {
    sources: {
      ...TEST_FEED_FILE.defaults.sources,
      rewatch: { ...TEST_FEED_FILE.defaults.sources.rewatch, dry_below: 2 },
    },
    rerankers: TEST_FEED_FILE.defaults.rerankers,
    value_model: TEST_VALUE_MODEL,
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
/** Three #cats videos (c1..c3) and three #music videos (m1..m3), for the re-serve policy's tests. */
export function catsAndMusicCatalog(): Catalog {
  return Catalog.fromVideos(
    ['c1', 'c2', 'c3', 'm1', 'm2', 'm3'].map((id) => video(id, { hashtags: [id[0] === 'c' ? 'cats' : 'music'] })),
  );
}

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
