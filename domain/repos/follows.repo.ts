import type { SqlExecutor } from '../../core/metadata/ports.ts';

/** The `follows` table: who follows whom. Pass a transaction as `db` to write inside one. */
export function followsRepo(db: SqlExecutor) {
  return {
    /** Adds `follower → followee`; false when it already existed. */
    async add(followerId: string, followeeId: string, now: number): Promise<boolean> {
      const r = await db.run(
        'INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [followerId, followeeId, now],
      );
      return r.changes > 0;
    },

    /** Removes `follower → followee`; false when there was none. */
    async remove(followerId: string, followeeId: string): Promise<boolean> {
      const r = await db.run('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [
        followerId,
        followeeId,
      ]);
      return r.changes > 0;
    },

    async isFollowing(followerId: string, followeeId: string): Promise<boolean> {
      const r = await db.get('SELECT 1 AS x FROM follows WHERE follower_id = $1 AND followee_id = $2', [
        followerId,
        followeeId,
      ]);
      return r !== undefined;
    },

    /** True when `a` and `b` follow each other (what `friends` privacy means). */
    async areMutual(a: string, b: string): Promise<boolean> {
      const r = await db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM follows
         WHERE (follower_id = $1 AND followee_id = $2) OR (follower_id = $2 AND followee_id = $1)`,
        [a, b],
      );
      return Number(r?.n ?? 0) === 2;
    },

    /** How many follow `userId` and how many `userId` follows. */
    async counts(userId: string): Promise<{ followers: number; following: number }> {
      const r = await db.get<{ followers: number; following: number }>(
        `SELECT (SELECT COUNT(*) FROM follows WHERE followee_id = $1) AS followers,
                (SELECT COUNT(*) FROM follows WHERE follower_id = $1) AS following`,
        [userId],
      );
      return { followers: Number(r?.followers ?? 0), following: Number(r?.following ?? 0) };
    },
  };
}

/** The repository's type. */
export type FollowsRepo = ReturnType<typeof followsRepo>;
