import { AppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import { accountPrivacyRepo, followRequestsRepo } from '../../domain/repos/follow-requests.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import { notify } from '../notifications/notify.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey } from './events.ts';
import { followRequestsService } from './follow-requests.service.ts';
import { requireActiveUser } from './lookups.ts';
import { recordAndAppend } from './record.ts';

/** The caller's follow state of a user after a follow or unfollow. */
export interface FollowResult {
  following: boolean;
  /** Whether a request to follow this private account waits for its owner's approval. */
  requested: boolean;
  follower_count: number;
}

/** Follower and following counts of a user. */
export async function followCounts(
  db: SqlExecutor,
  userId: string,
): Promise<{ follower_count: number; following_count: number }> {
  const c = await followsRepo(db).counts(userId);
  return { follower_count: c.followers, following_count: c.following };
}

/**
 * Follows: idempotent follow/unfollow of another existing user; no new follow across a block (403
 * BLOCKED). A follow of a private account becomes a request its owner approves (follow-requests.service);
 * an unfollow also cancels a pending request.
 */
export function followsService(deps: EngagementDeps) {
  const requests = followRequestsService(deps);

  async function setFollowing(userId: string, targetId: string, following: boolean): Promise<FollowResult> {
    if (userId === targetId) throw new AppError('VALIDATION_FAILED', 'You cannot follow yourself.');
    await requireActiveUser(deps.metadata, targetId);
    // Unfollowing stays possible; a new follow across a block is refused (blocking removed the old ones).
    if (following && (await blocksRepo(deps.metadata).eitherWay(userId, targetId))) {
      throw new AppError('BLOCKED', 'You cannot follow this user.');
    }
    if (
      following &&
      !(await followsRepo(deps.metadata).isFollowing(userId, targetId)) &&
      (await accountPrivacyRepo(deps.metadata).isPrivate(targetId))
    ) {
      await requests.request(userId, targetId);
      const { follower_count } = await followCounts(deps.metadata, targetId);
      return { following: false, requested: true, follower_count };
    }
    const now = deps.clock.now();
    await recordAndAppend(deps, async (tx) => {
      const follows = followsRepo(tx);
      if (!following) await followRequestsRepo(tx).remove(userId, targetId);
      const changed = following ? await follows.add(userId, targetId, now) : await follows.remove(userId, targetId);
      if (!changed) return { result: undefined, events: [] };
      if (following) await notify(tx, { userId: targetId, type: 'follow', actorId: userId, now });
      const event = {
        v: 1 as const,
        id: newId(now),
        type: following ? ('follow' as const) : ('unfollow' as const),
        actor: actorKey({ userId }),
        userId,
        targetUserId: targetId,
        ts: now,
      };
      return { result: undefined, events: [event] };
    });
    const { follower_count } = await followCounts(deps.metadata, targetId);
    return { following, requested: false, follower_count };
  }

  return {
    /** Follows a user; following twice is a no-op. 400 for yourself, 404 for an unknown user. */
    follow: (userId: string, targetId: string) => setFollowing(userId, targetId, true),
    /** Unfollows, or cancels a pending request; unfollowing someone not followed is a no-op. */
    unfollow: (userId: string, targetId: string) => setFollowing(userId, targetId, false),
  };
}

/** The follows service's type. */
export type FollowsService = ReturnType<typeof followsService>;
