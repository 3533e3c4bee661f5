import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList, valuesList } from '../../core/metadata/sql.ts';

/** The `likes` table: one row per (user, liked video). Pass a transaction as `db` to write inside one. */
export function likesRepo(db: SqlExecutor) {
  return {
    /** False when the user already liked the video. */
    async add(userId: string, videoId: string, now: number): Promise<boolean> {
      const r = await db.run(
        'INSERT INTO likes (user_id, video_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [userId, videoId, now],
      );
      return r.changes > 0;
    },

    /**
     * `add` for many (user, video) pairs in one statement; returns the pairs (`user` NUL `video`) that were
     * new, the others being liked already.
     */
    async addMany(pairs: readonly { userId: string; videoId: string }[], now: number): Promise<Set<string>> {
      if (pairs.length === 0) return new Set();
      const rows = await db.all<{ user_id: string; video_id: string }>(
        `INSERT INTO likes (user_id, video_id, created_at) VALUES ${valuesList(pairs.length, 3)}
         ON CONFLICT DO NOTHING RETURNING user_id, video_id`,
        pairs.flatMap((p) => [p.userId, p.videoId, now]),
      );
      return new Set(rows.map((r) => `${r.user_id}\u0000${r.video_id}`));
    },

    /** False when the user had not liked the video. */
    async remove(userId: string, videoId: string): Promise<boolean> {
      const r = await db.run('DELETE FROM likes WHERE user_id = $1 AND video_id = $2', [userId, videoId]);
      return r.changes > 0;
    },

    /** Which of `videoIds` the user likes, in one query. */
    async likedAmong(userId: string, videoIds: readonly string[]): Promise<Set<string>> {
      if (videoIds.length === 0) return new Set();
      const rows = await db.all<{ video_id: string }>(
        `SELECT video_id FROM likes WHERE user_id = $1 AND video_id IN (${inList(videoIds.length, 2)})`,
        [userId, ...videoIds],
      );
      return new Set(rows.map((r) => r.video_id));
    },

    /** The exact number of likes of a video (the counters' source of truth when they are rebuilt). */
    async countOf(videoId: string): Promise<number> {
      const r = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM likes WHERE video_id = $1', [videoId]);
      return Number(r?.n ?? 0);
    },
  };
}

/** The repository's type. */
export type LikesRepo = ReturnType<typeof likesRepo>;
