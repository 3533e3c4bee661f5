import type { EngagementDeps } from './deps.ts';
import { type LikeResult, LikeWriter } from './like-writer.ts';

export type { LikeResult };

/**
 * Likes: idempotent like/unlike; only a real change is recorded, appended and counted. Concurrent likes
 * share one lookup, one transaction, one append and one counter update (`LikeWriter`); each answers only
 * once its own like is durable.
 */
export function likesService(deps: EngagementDeps, opts: { concurrency?: number; maxGroup?: number } = {}) {
  const writer = new LikeWriter(deps, opts);
  return {
    /** Likes a visible video; liking twice is a no-op that answers the same. */
    like: (userId: string, videoId: string) => writer.set(userId, videoId, true),
    /** Removes a like; unliking a video never liked is a no-op. */
    unlike: (userId: string, videoId: string) => writer.set(userId, videoId, false),
    /** The writer's group counts, for tests and benchmarks. */
    stats: () => ({ groups: writer.groups, writes: writer.writes }),
  };
}

/** The likes service's type. */
export type LikesService = ReturnType<typeof likesService>;
