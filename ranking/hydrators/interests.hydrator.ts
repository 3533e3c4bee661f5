import type { SqlExecutor } from '../../core/metadata/ports.ts';
import type { QueryHydrator } from '../pipeline/types.ts';

/** The tags the viewer picked with POST /me/interests. */
export function interestsHydrator(db: SqlExecutor): QueryHydrator {
  return {
    id: 'interests',
    async hydrate(query) {
      if (!query.userId) return {};
      const rows = await db.all<{ tag: string }>('SELECT tag FROM user_interests WHERE user_id = $1 ORDER BY tag', [
        query.userId,
      ]);
      return { interests: rows.map((r) => r.tag) };
    },
  };
}
