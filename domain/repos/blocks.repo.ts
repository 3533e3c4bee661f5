import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList } from '../../core/metadata/sql.ts';

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

    /**
     * `eitherWay` for many pairs in one query: the pairs (as given, `a` NUL `b`) with a block between them
     * in either direction.
     */
    async eitherWayAmong(pairs: readonly (readonly [string, string])[]): Promise<Set<string>> {
      if (pairs.length === 0) return new Set();
      const as = [...new Set(pairs.map((p) => p[0]))];
      const bs = [...new Set(pairs.map((p) => p[1]))];
      const aList = inList(as.length);
      const bList = inList(bs.length, as.length + 1);
      const rows = await db.all<{ user_id: string; blocked_user_id: string }>(
        `SELECT user_id, blocked_user_id FROM blocks
         WHERE (user_id IN (${aList}) AND blocked_user_id IN (${bList}))
            OR (user_id IN (${bList}) AND blocked_user_id IN (${aList}))`,
        [...as, ...bs],
      );
      const hit = new Set(rows.map((r) => `${r.user_id}\u0000${r.blocked_user_id}`));
      const out = new Set<string>();
      for (const [a, b] of pairs) if (hit.has(`${a}\u0000${b}`) || hit.has(`${b}\u0000${a}`)) out.add(`${a}\u0000${b}`);
      return out;
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
