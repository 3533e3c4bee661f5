import type { SqlExecutor } from '../../core/metadata/ports.ts';

/**
 * The `blocks` table: `user_id` blocked `blocked_user_id`. A block works both ways (neither sees the
 * other's videos), so the reads answer "either way".
 */
export function blocksRepo(db: SqlExecutor) {
  return {
    /** `userId` blocks `blockedId`; false when already blocked. */
    async add(userId: string, blockedId: string, now: number): Promise<boolean> {
      const r = await db.run(
        'INSERT INTO blocks (user_id, blocked_user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [userId, blockedId, now],
      );
      return r.changes > 0;
    },

    /** Lifts `userId`'s block of `blockedId`; false when there was none. */
    async remove(userId: string, blockedId: string): Promise<boolean> {
      const r = await db.run('DELETE FROM blocks WHERE user_id = $1 AND blocked_user_id = $2', [userId, blockedId]);
      return r.changes > 0;
    },

    /** True when either user blocked the other. */
    async eitherWay(a: string, b: string): Promise<boolean> {
      const r = await db.get(
        `SELECT 1 AS x FROM blocks
         WHERE (user_id = $1 AND blocked_user_id = $2) OR (user_id = $2 AND blocked_user_id = $1)`,
        [a, b],
      );
      return r !== undefined;
    },

    /** Everyone `userId` blocked or was blocked by. */
    async involving(userId: string): Promise<Set<string>> {
      const rows = await db.all<{ id: string }>(
        `SELECT blocked_user_id AS id FROM blocks WHERE user_id = $1
         UNION SELECT user_id AS id FROM blocks WHERE blocked_user_id = $1`,
        [userId],
      );
      return new Set(rows.map((r) => String(r.id)));
    },
  };
}

/** The repository's type. */
export type BlocksRepo = ReturnType<typeof blocksRepo>;
