import { AppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import { followRequestsRepo } from '../../domain/repos/follow-requests.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey, type EngagementEvent } from './events.ts';
import { requireActiveUser } from './lookups.ts';
import { recordAndAppend } from './record.ts';

/** The caller's block state of a user after a block or unblock. */
export interface BlockResult {
  blocked: boolean;
}

/**
 * Blocks: idempotent block/unblock of another existing user. A block hides each user's videos, comments
 * and profile from the other (`canView` and the engagement reads) and refuses follows, likes, comments,
 * replies and mentions across it (403 BLOCKED). Blocking removes the follows between the two, both ways, and pending follow requests either way.
 * Like a follow, each real change is recorded and appended to the event log in one transaction: a
 * `block` / `unblock` event, and an `unfollow` per follow the block removed (what consumers of follows
 * already read). Lifting a block restores no follow.
 */
export function blocksService(deps: Pick<EngagementDeps, 'metadata' | 'events' | 'clock'>) {
  const event = (
    type: 'block' | 'unblock' | 'unfollow',
    userId: string,
    targetUserId: string,
    now: number,
  ): EngagementEvent => ({ v: 1, id: newId(now), type, actor: actorKey({ userId }), userId, targetUserId, ts: now });

  return {
    /** Blocks a user; blocking twice is a no-op. 400 for yourself, 404 for an unknown user. */
    async block(userId: string, targetId: string): Promise<BlockResult> {
      if (userId === targetId) throw new AppError('VALIDATION_FAILED', 'You cannot block yourself.');
      await requireActiveUser(deps.metadata, targetId);
      const now = deps.clock.now();
      await recordAndAppend(deps, async (tx) => {
        if (!(await blocksRepo(tx).add(userId, targetId, now))) return { result: undefined, events: [] };
        const follows = followsRepo(tx);
        const events = [event('block', userId, targetId, now)];
        if (await follows.remove(userId, targetId)) events.push(event('unfollow', userId, targetId, now));
        if (await follows.remove(targetId, userId)) events.push(event('unfollow', targetId, userId, now));
        await followRequestsRepo(tx).removeBetween(userId, targetId);
        return { result: undefined, events };
      });
      return { blocked: true };
    },
    /** Lifts the caller's block; unblocking someone not blocked is a no-op. */
    async unblock(userId: string, targetId: string): Promise<BlockResult> {
      const now = deps.clock.now();
      await recordAndAppend(deps, async (tx) => {
        if (!(await blocksRepo(tx).remove(userId, targetId))) return { result: undefined, events: [] };
        return { result: undefined, events: [event('unblock', userId, targetId, now)] };
      });
      return { blocked: false };
    },
  };
}

/** The blocks service's type. */
export type BlocksService = ReturnType<typeof blocksService>;
