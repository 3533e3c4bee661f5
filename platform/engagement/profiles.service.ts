import { AppError } from '../../core/errors/registry.ts';
import { canView } from '../../domain/access.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import { followRequestsRepo } from '../../domain/repos/follow-requests.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import { relationTo } from '../../domain/repos/relation.ts';
import type { EngagementDeps } from './deps.ts';
import { followCounts } from './follows.service.ts';
import { requireActiveUser } from './lookups.ts';

/** A public profile with its social counts. */
export interface Profile {
  id: string;
  handle: string;
  display_name: string;
  bio: string;
  created_at: number;
  follower_count: number;
  following_count: number;
  /** Videos the viewer can open (`canView`): all of their own, in any state, for the owner. */
  video_count: number;
  /** Whether the viewer follows this user (false when anonymous). */
  followed_by_viewer: boolean;
  /** Whether others may list this user's liked videos (GET /users/:id/likes). */
  likes_public: boolean;
  /** Whether the account is private: its videos and lists are for approved followers only. */
  private: boolean;
  /** Whether the viewer asked to follow this private account and waits for approval. */
  follow_requested: boolean;
}

/** Profiles: a user's public fields and counts as one viewer sees them. */
export function profilesService(deps: Pick<EngagementDeps, 'metadata'>) {
  return {
    /** The profile of an existing user, or 404 USER_NOT_FOUND (also across a block, either way). */
    async get(userId: string, viewerId: string | undefined): Promise<Profile> {
      await requireActiveUser(deps.metadata, userId);
      if (
        viewerId !== undefined &&
        viewerId !== userId &&
        (await blocksRepo(deps.metadata).eitherWay(viewerId, userId))
      ) {
        throw new AppError('USER_NOT_FOUND');
      }
      const user = (await deps.metadata.get<{
        handle: string;
        display_name: string;
        bio: string;
        created_at: number;
        likes_public: number;
        private: number;
      }>('SELECT handle, display_name, bio, created_at, likes_public, private FROM users WHERE id = $1', [userId]))!;
      const authorPrivate = Number(user.private) === 1;
      // Counted by the one access rule, per (privacy, status, moderation) group: the same videos the viewer could open.
      const groups = await deps.metadata.all<{ privacy: string; status: string; moderation: string; n: number }>(
        `SELECT privacy, status, moderation, COUNT(*) AS n FROM videos WHERE author_id = $1 AND deleted_at IS NULL
         GROUP BY privacy, status, moderation`,
        [userId],
      );
      const relation = await relationTo(deps.metadata, viewerId, {
        authorId: userId,
        privacy: 'friends',
        authorPrivate,
      });
      const videoCount = groups
        .filter((g) =>
          canView(
            viewerId,
            { authorId: userId, privacy: g.privacy, status: g.status, moderation: g.moderation, authorPrivate },
            relation,
          ),
        )
        .reduce((sum, g) => sum + Number(g.n), 0);
      const followed = viewerId ? await followsRepo(deps.metadata).isFollowing(viewerId, userId) : false;
      const requested =
        viewerId && !followed ? await followRequestsRepo(deps.metadata).isPending(viewerId, userId) : false;
      return {
        id: userId,
        handle: user.handle,
        display_name: user.display_name,
        bio: user.bio,
        created_at: Number(user.created_at),
        ...(await followCounts(deps.metadata, userId)),
        video_count: videoCount,
        followed_by_viewer: followed,
        likes_public: Number(user.likes_public) === 1,
        private: authorPrivate,
        follow_requested: requested,
      };
    },
  };
}

/** The profiles service's type. */
export type ProfilesService = ReturnType<typeof profilesService>;
