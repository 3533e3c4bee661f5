import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import { readViewerGraph } from '../../../domain/repos/viewer-graph.repo.ts';
import type { QueryHydrator } from '../types.ts';

/**
 * The signed-in viewer's social graph (whom they follow; followees who follow back, the "friends" of
 * friends-only videos), blocks in either direction, "not interested" marks (videos and their creators)
 * and the interests picked with POST /me/interests, read fresh on every request in one query.
 */
export function viewerHydrator(db: SqlExecutor): QueryHydrator {
  return {
    id: 'viewer',
    async hydrate(query) {
      if (!query.userId) return {};
      const g = await readViewerGraph(db, query.userId);
      return {
        following: g.following,
        friends: g.friends,
        blockedAuthors: g.blocked,
        notInterestedVideos: g.notInterestedVideos,
        notInterestedAuthors: g.notInterestedAuthors,
        interests: g.interests,
      };
    },
  };
}
