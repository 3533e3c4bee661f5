import type { SqlExecutor } from '../../core/metadata/ports.ts';

/** A pending request to follow a private account, with the requester's handle. */
export interface FollowRequestRow {
  requester_id: string;
  handle: string;
  display_name: string;
  created_at: number;
}

/**
 * The `follow_requests` table: follows of a private account waiting for its owner. An approved request
 * becomes a `follows` row (the caller writes both in one transaction); a denied or cancelled one is gone.
 */
export function followRequestsRepo(db: SqlExecutor) {
  return {
    /** `requesterId` asks to follow `targetId`; false when already asked. */
    async add(requesterId: string, targetId: string, now: number): Promise<boolean> {
      const r = await db.run(
        'INSERT INTO follow_requests (requester_id, target_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [requesterId, targetId, now],
      );
      return r.changes > 0;
    },

    /** Removes the request (approved, denied or cancelled); false when there was none. */
    async remove(requesterId: string, targetId: string): Promise<boolean> {
      const r = await db.run('DELETE FROM follow_requests WHERE requester_id = $1 AND target_id = $2', [
        requesterId,
        targetId,
      ]);
      return r.changes > 0;
    },

    /** Removes requests either way between two users (a block); how many went. */
    async removeBetween(a: string, b: string): Promise<number> {
      const r = await db.run(
        `DELETE FROM follow_requests
         WHERE (requester_id = $1 AND target_id = $2) OR (requester_id = $2 AND target_id = $1)`,
        [a, b],
      );
      return r.changes;
    },

    async isPending(requesterId: string, targetId: string): Promise<boolean> {
      const r = await db.get('SELECT 1 AS x FROM follow_requests WHERE requester_id = $1 AND target_id = $2', [
        requesterId,
        targetId,
      ]);
      return r !== undefined;
    },

    /**
     * Requests waiting for `targetId`, oldest first, from active users, after the position
     * `after` (`created_at`, `requester_id`) when given.
     */
    async pendingFor(targetId: string, limit: number, after?: { t: number; id: string }): Promise<FollowRequestRow[]> {
      const rows = await db.all<FollowRequestRow>(
        `SELECT r.requester_id, u.handle, u.display_name, r.created_at
         FROM follow_requests r JOIN users u ON u.id = r.requester_id
         WHERE r.target_id = $1 AND u.deleted_at IS NULL AND u.banned_at IS NULL
         ${after ? 'AND (r.created_at > $3 OR (r.created_at = $3 AND r.requester_id > $4))' : ''}
         ORDER BY r.created_at, r.requester_id LIMIT $2`,
        after ? [targetId, limit, after.t, after.id] : [targetId, limit],
      );
      return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
    },

    /** Every requester waiting for `targetId` (switching to public approves them all), oldest first. */
    async allFor(targetId: string): Promise<string[]> {
      const rows = await db.all<{ id: string }>(
        'SELECT requester_id AS id FROM follow_requests WHERE target_id = $1 ORDER BY created_at, requester_id',
        [targetId],
      );
      return rows.map((r) => String(r.id));
    },
  };
}

/** The repository's type. */
export type FollowRequestsRepo = ReturnType<typeof followRequestsRepo>;

/**
 * A user's account privacy: `users.private`, and its copy on every one of their videos
 * (`videos.author_private`, what the access rule reads with each video row).
 */
export function accountPrivacyRepo(db: SqlExecutor) {
  return {
    async isPrivate(userId: string): Promise<boolean> {
      const r = await db.get<{ private: number }>('SELECT private FROM users WHERE id = $1', [userId]);
      return Number(r?.private ?? 0) === 1;
    },

    /**
     * Sets the account's privacy and its copy on all of the user's videos, bumping their `updated_at` so
     * the feed's catalogue refresh picks the change up; false when it was already so. Run it inside a
     * transaction so both land together.
     */
    async set(userId: string, isPrivate: boolean, now: number): Promise<boolean> {
      const value = isPrivate ? 1 : 0;
      const r = await db.run('UPDATE users SET private = $2 WHERE id = $1 AND private <> $2', [userId, value]);
      if (r.changes === 0) return false;
      await db.run('UPDATE videos SET author_private = $2, updated_at = $3 WHERE author_id = $1', [userId, value, now]);
      return true;
    },

    /**
     * The account's privacy read under the user row's write lock (an UPDATE that changes nothing), for an
     * upload that copies it: on PostgreSQL it waits for a concurrent `set` to commit, so a new video never
     * keeps the old value. SQLite serialises writers anyway.
     */
    async lockAndRead(userId: string): Promise<boolean> {
      await db.run('UPDATE users SET private = private WHERE id = $1', [userId]);
      return this.isPrivate(userId);
    },
  };
}

/** The repository's type. */
export type AccountPrivacyRepo = ReturnType<typeof accountPrivacyRepo>;
