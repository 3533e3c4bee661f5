import { followsRepo } from '../../domain/repos/follows.repo.ts';
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
  /** Ready videos the viewer can see (all of them for the owner). */
  video_count: number;
  /** Whether the viewer follows this user (false when anonymous). */
  followed_by_viewer: boolean;
}

/** Profiles: a user's public fields and counts as one viewer sees them. */
export function profilesService(deps: Pick<EngagementDeps, 'metadata'>) {
  return {
    /** The profile of an existing user, or 404 USER_NOT_FOUND. */
    async get(userId: string, viewerId: string | undefined): Promise<Profile> {
      await requireActiveUser(deps.metadata, userId);
      const user = (await deps.metadata.get<{ handle: string; display_name: string; bio: string; created_at: number }>(
        'SELECT handle, display_name, bio, created_at FROM users WHERE id = $1',
        [userId],
      ))!;
      const own = viewerId === userId;
      const videos = await deps.metadata.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM videos WHERE author_id = $1 AND deleted_at IS NULL
           AND ($2 = 1 OR (status = 'ready' AND privacy = 'public'))`,
        [userId, own ? 1 : 0],
      );
      const followed = viewerId ? await followsRepo(deps.metadata).isFollowing(viewerId, userId) : false;
      return {
        id: userId,
        handle: user.handle,
        display_name: user.display_name,
        bio: user.bio,
        created_at: Number(user.created_at),
        ...(await followCounts(deps.metadata, userId)),
        video_count: Number(videos?.n ?? 0),
        followed_by_viewer: followed,
      };
    },
  };
}

/** The profiles service's type. */
export type ProfilesService = ReturnType<typeof profilesService>;
