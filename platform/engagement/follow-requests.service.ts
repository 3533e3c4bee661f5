import { AppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { accountPrivacyRepo, followRequestsRepo } from '../../domain/repos/follow-requests.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import { notify } from '../notifications/notify.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey, type EngagementEvent } from './events.ts';
import { recordAndAppend } from './record.ts';

/** A pending follow request as its target sees it. */
export interface FollowRequestItem {
  user: { id: string; handle: string; display_name: string };
  requested_at: number;
}

/** A follow that now exists: the `follow` event consumers of follows read, like any other follow. */
export function followEvent(userId: string, targetId: string, now: number): EngagementEvent {
  return { v: 1, id: newId(now), type: 'follow', actor: actorKey({ userId }), userId, targetUserId: targetId, ts: now };
}

/** Turns a pending request into a follow inside `tx` and tells the requester; false when none was pending. */
async function approveIn(tx: SqlExecutor, ownerId: string, requesterId: string, now: number): Promise<boolean> {
  if (!(await followRequestsRepo(tx).remove(requesterId, ownerId))) return false;
  if (!(await followsRepo(tx).add(requesterId, ownerId, now))) return false;
  await notify(tx, { userId: requesterId, type: 'follow_approved', actorId: ownerId, now });
  return true;
}

/**
 * Private accounts and their follow requests. A follow of a private account waits as a request
 * (`follow_request` notification to the owner) until the owner approves it (it becomes a follow, with
 * its `follow` event, and the requester gets `follow_approved`) or denies it (it is gone, silently); the
 * requester may cancel it (DELETE /users/:id/follow). Switching an account from private to public
 * approves every pending request: nobody who asked is left waiting for an approval that no longer
 * means anything, and their follow is what they asked for. Switching to private keeps existing
 * followers approved. A block removes requests either way (blocks.service).
 */
export function followRequestsService(deps: Pick<EngagementDeps, 'metadata' | 'events' | 'clock'>) {
  return {
    /** Records a request to follow the private account `targetId`; idempotent. */
    async request(userId: string, targetId: string): Promise<void> {
      const now = deps.clock.now();
      await deps.metadata.transaction(async (tx) => {
        if (await followRequestsRepo(tx).add(userId, targetId, now)) {
          await notify(tx, { userId: targetId, type: 'follow_request', actorId: userId, now });
        }
      });
    },

    /** Whether `userId` waits for `targetId` to approve them. */
    pending: (userId: string, targetId: string) => followRequestsRepo(deps.metadata).isPending(userId, targetId),

    /** Requests waiting for the owner, oldest first, with a cursor for the next page. */
    async list(
      ownerId: string,
      page: { cursor?: string | undefined; limit: number },
    ): Promise<{ items: FollowRequestItem[]; next_cursor: string | null }> {
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const rows = await followRequestsRepo(deps.metadata).pendingFor(ownerId, page.limit + 1, after);
      const items = rows.slice(0, page.limit).map((r) => ({
        user: { id: r.requester_id, handle: r.handle, display_name: r.display_name },
        requested_at: r.created_at,
      }));
      const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
      return { items, next_cursor: last ? encodeCursor({ t: last.created_at, id: last.requester_id }) : null };
    },

    /** Approves a pending request: the requester now follows the owner. 404 FOLLOW_REQUEST_NOT_FOUND otherwise. */
    async approve(ownerId: string, requesterId: string): Promise<{ approved: true }> {
      const now = deps.clock.now();
      const done = await recordAndAppend(deps, async (tx) => {
        const ok = await approveIn(tx, ownerId, requesterId, now);
        return { result: ok, events: ok ? [followEvent(requesterId, ownerId, now)] : [] };
      });
      if (!done) throw new AppError('FOLLOW_REQUEST_NOT_FOUND');
      return { approved: true };
    },

    /** Denies a pending request; the requester is not told. 404 FOLLOW_REQUEST_NOT_FOUND otherwise. */
    async deny(ownerId: string, requesterId: string): Promise<{ approved: false }> {
      if (!(await followRequestsRepo(deps.metadata).remove(requesterId, ownerId))) {
        throw new AppError('FOLLOW_REQUEST_NOT_FOUND');
      }
      return { approved: false };
    },

    /** The caller's account privacy. */
    isPrivate: (userId: string) => accountPrivacyRepo(deps.metadata).isPrivate(userId),

    /**
     * Makes the account private or public, with the copy on its videos, in one transaction; going public
     * approves every pending request in the same transaction.
     */
    async setPrivate(userId: string, isPrivate: boolean): Promise<void> {
      const now = deps.clock.now();
      await recordAndAppend(deps, async (tx) => {
        const changed = await accountPrivacyRepo(tx).set(userId, isPrivate, now);
        if (!changed || isPrivate) return { result: undefined, events: [] };
        const events: EngagementEvent[] = [];
        for (const requesterId of await followRequestsRepo(tx).allFor(userId)) {
          if (await approveIn(tx, userId, requesterId, now)) events.push(followEvent(requesterId, userId, now));
        }
        return { result: undefined, events };
      });
    },
  };
}

/** The follow requests service's type. */
export type FollowRequestsService = ReturnType<typeof followRequestsService>;
