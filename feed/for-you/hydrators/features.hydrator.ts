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

/**
 * The ranker's dense features for every candidate, computed with the shared definitions from the
 * online state, exactly as training computed them from the log. The viewer's state is read fresh on
 * every request; videos' counters may come from a short-lived in-process cache.
 */
export function featuresHydrator(featureStore: FeatureStore, opts: FeaturesHydratorOptions = {}): CandidateHydrator {
  const ttl = opts.videoCacheMs ?? 0;
  const now = opts.now ?? (() => performance.now());
  const cache = new Map<string, { at: number; counters: DecayedCounters | undefined }>();
  return {
    id: 'features',
    async hydrate(query, candidates) {
      const t = now();
      const ids = candidates.map((c) => c.video.id);
      const authorIds = [...new Set(candidates.map((c) => c.video.authorId))];
      const stale = (key: string) => !(t - (cache.get(key)?.at ?? Number.NEGATIVE_INFINITY) < ttl);
      const missing = ttl > 0 ? ids.filter((id) => stale(`v:${id}`)) : ids;
      const missingAuthors = ttl > 0 ? authorIds.filter((id) => stale(`a:${id}`)) : authorIds;
      const [read, viewer, nums] = await Promise.all([
        featureStore.loadState({ users: [], videos: missing, authors: missingAuthors }),
        viewerStateOf(featureStore, query),
        opts.profiles ? opts.profiles(query) : undefined,
      ]);
      const state: FeatureState = { ...read, users: viewer.users };
      let full = state;
      if (ttl > 0) {
        if (cache.size > CACHE_MAX) cache.clear();
        for (const id of missing) cache.set(`v:${id}`, { at: t, counters: state.videos.get(id) });
        for (const id of missingAuthors) cache.set(`a:${id}`, { at: t, counters: state.authors.get(id) });
        const cached = (keys: readonly string[], prefix: string) => {
          const out = new Map<string | number, DecayedCounters>();
          for (const id of keys) {
            const c = cache.get(`${prefix}${id}`)?.counters;
            if (c) out.set(id, c);
          }
          return out;
        };
        full = { ...state, videos: cached(ids, 'v:'), authors: cached(authorIds, 'a:') };
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
