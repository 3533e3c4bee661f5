import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { type AccessVideo, NO_RELATION, needsRelation, type Relation } from '../access.ts';
import { blocksRepo } from './blocks.repo.ts';
import { followsRepo } from './follows.repo.ts';

/**
 * The relation `canView` needs between a viewer and a video's author, read from the follows and blocks
 * repositories; no query at all for anonymous viewers and authors looking at their own videos.
 */
export async function relationTo(db: SqlExecutor, viewerId: string | undefined, video: AccessVideo): Promise<Relation> {
  if (!needsRelation(viewerId, video)) return NO_RELATION;
  const [blocked, mutual] = await Promise.all([
    blocksRepo(db).eitherWay(viewerId, video.authorId),
    video.privacy === 'friends' ? followsRepo(db).areMutual(viewerId, video.authorId) : false,
  ]);
  return { mutual, blocked };
}
