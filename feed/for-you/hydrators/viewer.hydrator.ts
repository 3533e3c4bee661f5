import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import type { QueryHydrator, ViewerContext } from '../types.ts';

// One round trip for everything the feed knows about a signed-in viewer from the metadata store:
// five separate queries cost five round trips (and five statement executions) on every page.
const VIEWER_SQL = `
  SELECT 'following' AS k, followee_id AS v FROM follows WHERE follower_id = $1
  UNION ALL SELECT 'friend', follower_id FROM follows WHERE followee_id = $1
    AND follower_id IN (SELECT followee_id FROM follows WHERE follower_id = $1)
  UNION ALL SELECT 'blocked', blocked_user_id FROM blocks WHERE user_id = $1
  UNION ALL SELECT 'blocked', user_id FROM blocks WHERE blocked_user_id = $1
  UNION ALL SELECT 'ni_video', video_id FROM not_interested WHERE user_id = $1
  UNION ALL SELECT 'ni_author', author_id FROM not_interested WHERE user_id = $1
  UNION ALL SELECT 'interest', tag FROM user_interests WHERE user_id = $1`;

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
      const rows = await db.all<{ k: string; v: string }>(VIEWER_SQL, [query.userId]);
      const out: Pick<
        ViewerContext,
        'following' | 'friends' | 'blockedAuthors' | 'notInterestedVideos' | 'notInterestedAuthors' | 'interests'
      > = {
        following: new Set(),
        friends: new Set(),
        blockedAuthors: new Set(),
        notInterestedVideos: new Set(),
        notInterestedAuthors: new Set(),
        interests: [],
      };
      for (const { k, v } of rows) {
        const id = String(v);
        if (k === 'following') out.following.add(id);
        else if (k === 'friend') out.friends.add(id);
        else if (k === 'blocked') out.blockedAuthors.add(id);
        else if (k === 'ni_video') out.notInterestedVideos.add(id);
        else if (k === 'ni_author') out.notInterestedAuthors.add(id);
        else if (k === 'interest') out.interests.push(id);
      }
      out.interests.sort();
      return out;
    },
  };
}
