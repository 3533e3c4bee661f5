import { type FeatureUser, type FeatureVideo, featureVector } from '../../feature-store/definitions.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import type { CatalogVideo } from '../../retrieval/catalog.ts';
import { durationBucket } from '../../training/data/encode.ts';
import type { CandidateHydrator } from '../pipeline/types.ts';

/** The feature module's view of a catalogue video. */
export function featureVideoOf(v: CatalogVideo): FeatureVideo {
  return {
    id: v.id,
    author: v.authorId,
    tags: v.hashtags,
    durationBucket: v.durationMs === null ? 0 : durationBucket(v.durationMs),
    uploadMs: v.createdAt,
  };
}

/**
 * The ranker's dense features for every candidate, computed with the shared definitions from the
 * online state, exactly as training computed them from the log.
 * @remarks Static user numbers (follow/fan counts, account age) are not kept online yet: they are 0.
 */
export function featuresHydrator(featureStore: FeatureStore): CandidateHydrator {
  return {
    id: 'features',
    async hydrate(query, candidates) {
      const state = await featureStore.loadState({ users: [query.actor], videos: candidates.map((c) => c.video.id) });
      const user: FeatureUser = { id: query.actor, nums: [] };
      for (const c of candidates) c.features = featureVector(state, user, featureVideoOf(c.video), query.nowMs);
    },
  };
}
