import type { SqlExecutor } from '../../core/metadata/ports.ts';

/** Everything the feed reads about a signed-in viewer from the social and preference tables. */
export interface ViewerGraph {
  /** Users the viewer follows. */
  following: Set<string>;
  /** Followees who follow back (the "friends" of friends-only videos). */
  friends: Set<string>;
  /** Users the viewer blocked or who blocked the viewer. */
  blocked: Set<string>;
  notInterestedVideos: Set<string>;
  notInterestedAuthors: Set<string>;
  /** Tags picked with POST /me/interests, sorted. */
  interests: string[];
}

// One round trip over follows, blocks, not_interested and user_interests: five separate queries cost
// five round trips (and five statement executions) on every feed page. The tables' own repositories
// own their writes; this is the one read that spans them.
const VIEWER_SQL = `
  SELECT 'following' AS k, followee_id AS v FROM follows WHERE follower_id = $1
  UNION ALL SELECT 'friend', follower_id FROM follows WHERE followee_id = $1
    AND follower_id IN (SELECT followee_id FROM follows WHERE follower_id = $1)
  UNION ALL SELECT 'blocked', blocked_user_id FROM blocks WHERE user_id = $1
  UNION ALL SELECT 'blocked', user_id FROM blocks WHERE blocked_user_id = $1
  UNION ALL SELECT 'ni_video', video_id FROM not_interested WHERE user_id = $1
  UNION ALL SELECT 'ni_author', author_id FROM not_interested WHERE user_id = $1
  UNION ALL SELECT 'interest', tag FROM user_interests WHERE user_id = $1`;

/** The viewer's graph and marks, read fresh in one query. */
export async function readViewerGraph(db: SqlExecutor, userId: string): Promise<ViewerGraph> {
  const rows = await db.all<{ k: string; v: string }>(VIEWER_SQL, [userId]);
  const out: ViewerGraph = {
    following: new Set(),
    friends: new Set(),
    blocked: new Set(),
    notInterestedVideos: new Set(),
    notInterestedAuthors: new Set(),
    interests: [],
  };
  for (const { k, v } of rows) {
    const id = String(v);
    if (k === 'following') out.following.add(id);
    else if (k === 'friend') out.friends.add(id);
    else if (k === 'blocked') out.blocked.add(id);
    else if (k === 'ni_video') out.notInterestedVideos.add(id);
    else if (k === 'ni_author') out.notInterestedAuthors.add(id);
    else if (k === 'interest') out.interests.push(id);
  }
  out.interests.sort();
  return out;
}
