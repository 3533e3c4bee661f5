import {
  type DecayedCounters,
  type FeatureState,
  type FeatureUser,
  featureVectors,
  toFeatureVideo,
  UNKNOWN_SURFACE,
} from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import type { CandidateHydrator, FeedQuery } from '../types.ts';
import { viewerStateOf } from './viewer-state.ts';

/**
 * The viewer's static profile numbers (`FeatureUser.nums`: follows, fans, friends, account age, in the
 * training data's normalisation); undefined when unknown, which the features encode as 0 exactly as
 * training encodes a user without a profile row.
 */
export type UserProfiles = (query: FeedQuery) => Promise<readonly number[] | undefined>;

/** Options of `featuresHydrator`. */
export interface FeaturesHydratorOptions {
  profiles?: UserProfiles;
  /**
   * How long a video's or author's counters read from the store may be reused (ms). Counters are decayed to the
   * request time either way, so this only bounds how many recent events a feature may miss. 0 = never.
   */
  videoCacheMs?: number;
  /** Monotonic ms for the cache (tests pass their own). */
  now?: () => number;
}

const CACHE_MAX = 200_000;

interface CachedCounters {
  at: number;
  counters: DecayedCounters | undefined;
}

/** The ids whose cached counters are older than `ttl` (or not cached). */
function staleOf(cache: Map<string, CachedCounters>, ids: readonly string[], t: number, ttl: number): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const e = cache.get(id);
    if (e === undefined || !(t - e.at < ttl)) out.push(id);
  }
  return out;
}

/** The cached counters of `ids` (those with none left out). */
function cachedOf(cache: Map<string, CachedCounters>, ids: readonly string[]): Map<string | number, DecayedCounters> {
  const out = new Map<string | number, DecayedCounters>();
  for (const id of ids) {
    const c = cache.get(id)?.counters;
    if (c) out.set(id, c);
  }
  return out;
}

/**
 * The ranker's dense features for every candidate, computed with the shared definitions from the
 * online state, exactly as training computed them from the log. The viewer's state is read fresh on
 * every request; videos' counters may come from a short-lived in-process cache.
 */
export function featuresHydrator(featureStore: FeatureStore, opts: FeaturesHydratorOptions = {}): CandidateHydrator {
  const ttl = opts.videoCacheMs ?? 0;
  const now = opts.now ?? (() => performance.now());
  // Videos and authors apart, keyed by their plain id: a prefixed key built per candidate per request
  // cost more than the lookups themselves (345 candidates, two keys each, on every first page).
  const videoCache = new Map<string, CachedCounters>();
  const authorCache = new Map<string, CachedCounters>();
  return {
    id: 'features',
    async hydrate(query, candidates) {
      const t = now();
      const ids = candidates.map((c) => c.video.id);
      const authorIds = [...new Set(candidates.map((c) => c.video.authorId))];
      const missing = ttl > 0 ? staleOf(videoCache, ids, t, ttl) : ids;
      const missingAuthors = ttl > 0 ? staleOf(authorCache, authorIds, t, ttl) : authorIds;
      const [read, viewer, nums] = await Promise.all([
        featureStore.loadState({ users: [], videos: missing, authors: missingAuthors }),
        viewerStateOf(featureStore, query),
        opts.profiles ? opts.profiles(query) : undefined,
      ]);
      const state: FeatureState = { ...read, users: viewer.users };
      let full = state;
      if (ttl > 0) {
        if (videoCache.size + authorCache.size > CACHE_MAX) {
          videoCache.clear();
          authorCache.clear();
        }
        for (const id of missing) videoCache.set(id, { at: t, counters: state.videos.get(id) });
        for (const id of missingAuthors) authorCache.set(id, { at: t, counters: state.authors.get(id) });
        full = { ...state, videos: cachedOf(videoCache, ids), authors: cachedOf(authorCache, authorIds) };
      }
      const user: FeatureUser = { id: query.actor, nums: nums ?? [] };
      // The viewer's part of the features once per request, not once per candidate.
      const rows = featureVectors(
        full,
        user,
        candidates.map((c) => toFeatureVideo(c.video)),
        query.nowMs,
        query.surface === undefined ? UNKNOWN_SURFACE : { tab: query.surface },
      );
      candidates.forEach((c, i) => {
        c.features = rows[i]!;
      });
    },
  };
}
