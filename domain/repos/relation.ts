import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { type AccessVideo, NO_RELATION, needsRelation, type Relation } from '../access.ts';
import { blocksRepo } from './blocks.repo.ts';
import { followsRepo } from './follows.repo.ts';

/** What the relation depends on in a video: its author, its privacy and its author's account privacy. */
export type RelationKey = Pick<AccessVideo, 'authorId' | 'privacy' | 'authorPrivate'>;

/**
 * The relation `canView` needs between a viewer and a video's author, read from the follows and blocks
 * repositories; no query at all for anonymous viewers and authors looking at their own videos, and the
 * follows only when the video's or the account's privacy makes them matter.
 */
export async function relationTo(db: SqlExecutor, viewerId: string | undefined, video: RelationKey): Promise<Relation> {
  if (!needsRelation(viewerId, video)) return NO_RELATION;
  const follows = followsRepo(db);
  const [blocked, mutual, following] = await Promise.all([
    blocksRepo(db).eitherWay(viewerId, video.authorId),
    video.privacy === 'friends' ? follows.areMutual(viewerId, video.authorId) : false,
    video.authorPrivate ? follows.isFollowing(viewerId, video.authorId) : false,
  ]);
  return { follows: following, mutual, blocked };
}

/**
 * `relationTo` for many (viewer, video) pairs, answered in order: one read of the blocks among all of
 * them, and the follows only for the pairs whose video's or account's privacy makes them matter.
 */
export async function relationsTo(
  db: SqlExecutor,
  asks: readonly { viewerId: string | undefined; video: RelationKey }[],
): Promise<Relation[]> {
  const pairs: [string, string][] = [];
  for (const { viewerId, video } of asks) if (needsRelation(viewerId, video)) pairs.push([viewerId, video.authorId]);
  const blocked = await blocksRepo(db).eitherWayAmong(pairs);
  const follows = followsRepo(db);
  return Promise.all(
    asks.map(async ({ viewerId, video }) => {
      if (!needsRelation(viewerId, video)) return NO_RELATION;
      const [mutual, following] = await Promise.all([
        video.privacy === 'friends' ? follows.areMutual(viewerId, video.authorId) : false,
        video.authorPrivate ? follows.isFollowing(viewerId, video.authorId) : false,
      ]);
      return { follows: following, mutual, blocked: blocked.has(`${viewerId}\u0000${video.authorId}`) };
    }),
  );
}
