import type { SqlExecutor } from '../../core/metadata/ports.ts';
import type { QueryHydrator } from '../pipeline/types.ts';

/** Blocks in either direction and "not interested" marks (videos and their creators). */
export function negativeFeedbackHydrator(db: SqlExecutor): QueryHydrator {
  return {
    id: 'negative_feedback',
    async hydrate(query) {
      if (!query.userId) return {};
      const [blocks, notInterested] = await Promise.all([
        db.all<{ other: string }>(
          `SELECT blocked_user_id AS other FROM blocks WHERE user_id = $1
           UNION SELECT user_id AS other FROM blocks WHERE blocked_user_id = $1`,
          [query.userId],
        ),
        db.all<{ video_id: string; author_id: string }>(
          'SELECT video_id, author_id FROM not_interested WHERE user_id = $1',
          [query.userId],
        ),
      ]);
      return {
        blockedAuthors: new Set(blocks.map((r) => r.other)),
        notInterestedVideos: new Set(notInterested.map((r) => r.video_id)),
        notInterestedAuthors: new Set(notInterested.map((r) => r.author_id)),
      };
    },
  };
}
