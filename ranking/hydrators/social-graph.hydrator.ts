import type { SqlExecutor } from '../../core/metadata/ports.ts';
import type { QueryHydrator } from '../pipeline/types.ts';

/** Whom the viewer follows, and which of them follow back (friends-only videos need both directions). */
export function socialGraphHydrator(db: SqlExecutor): QueryHydrator {
  return {
    id: 'social_graph',
    async hydrate(query) {
      if (!query.userId) return {};
      const following = await db.all<{ followee_id: string }>(
        'SELECT followee_id FROM follows WHERE follower_id = $1',
        [query.userId],
      );
      const friends = await db.all<{ follower_id: string }>(
        `SELECT follower_id FROM follows WHERE followee_id = $1
           AND follower_id IN (SELECT followee_id FROM follows WHERE follower_id = $1)`,
        [query.userId],
      );
      return {
        following: new Set(following.map((r) => r.followee_id)),
        friends: new Set(friends.map((r) => r.follower_id)),
      };
    },
  };
}
