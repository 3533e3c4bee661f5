import { newId } from '../../core/ids.ts';
import { likesRepo } from '../../domain/repos/likes.repo.ts';
import { notify } from '../notifications/notify.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey } from './events.ts';
import { GroupCommit } from './group-commit.ts';
import { engageableVideo } from './lookups.ts';

/** The caller's like state of a video after a like or unlike. */
export interface LikeResult {
  liked: boolean;
  like_count: number;
}

/**
 * Likes: idempotent like/unlike; only a real change is recorded, appended and counted. Concurrent likes
 * share one transaction and one append (group commit); each answers only once its own like is durable.
 */
export function likesService(deps: EngagementDeps) {
  const group = new GroupCommit(deps);
  async function setLiked(userId: string, videoId: string, liked: boolean): Promise<LikeResult> {
    const video = await engageableVideo(deps.metadata, videoId, userId);
    const now = deps.clock.now();
    const changed = await group.run(async (tx) => {
      const likes = likesRepo(tx);
      const changed = liked ? await likes.add(userId, videoId, now) : await likes.remove(userId, videoId);
      if (!changed) return { result: false, events: [] };
      if (liked) await notify(tx, { userId: video.authorId, type: 'like', actorId: userId, videoId, now });
      const event = {
        v: 1 as const,
        id: newId(now),
        type: liked ? ('like' as const) : ('unlike' as const),
        actor: actorKey({ userId }),
        userId,
        videoId,
        authorId: video.authorId,
        ts: now,
      };
      return { result: true, events: [event] };
    });
    const counts = changed
      ? await deps.counters.add(videoId, { likes: liked ? 1 : -1 })
      : (await deps.counters.get([videoId])).get(videoId)!;
    return { liked, like_count: counts.likes };
  }

  return {
    /** Likes a visible video; liking twice is a no-op that answers the same. */
    like: (userId: string, videoId: string) => setLiked(userId, videoId, true),
    /** Removes a like; unliking a video never liked is a no-op. */
    unlike: (userId: string, videoId: string) => setLiked(userId, videoId, false),
  };
}

/** The likes service's type. */
export type LikesService = ReturnType<typeof likesService>;
