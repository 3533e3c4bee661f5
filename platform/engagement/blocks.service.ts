import { AppError } from '../../core/errors/registry.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import type { EngagementDeps } from './deps.ts';
import { requireActiveUser } from './lookups.ts';

/** The caller's block state of a user after a block or unblock. */
export interface BlockResult {
  blocked: boolean;
}

/**
 * Blocks: idempotent block/unblock of another existing user. A block hides each user's videos from the
 * other everywhere `canView` decides (video API, engagement, feed); follows are left as they were.
 */
export function blocksService(deps: Pick<EngagementDeps, 'metadata' | 'clock'>) {
  const repo = blocksRepo(deps.metadata);
  return {
    /** Blocks a user; blocking twice is a no-op. 400 for yourself, 404 for an unknown user. */
    async block(userId: string, targetId: string): Promise<BlockResult> {
      if (userId === targetId) throw new AppError('VALIDATION_FAILED', 'You cannot block yourself.');
      await requireActiveUser(deps.metadata, targetId);
      await repo.add(userId, targetId, deps.clock.now());
      return { blocked: true };
    },
    /** Lifts the caller's block; unblocking someone not blocked is a no-op. */
    async unblock(userId: string, targetId: string): Promise<BlockResult> {
      await repo.remove(userId, targetId);
      return { blocked: false };
    },
  };
}

/** The blocks service's type. */
export type BlocksService = ReturnType<typeof blocksService>;
