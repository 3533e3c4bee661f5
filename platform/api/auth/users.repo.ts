import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import { handleSkeleton } from './handles.ts';
import { hasRole, ROLES, type Role } from './roles.ts';

/** A user as the API shows it. */
export interface UserRecord {
  id: string;
  handle: string;
  display_name: string;
  bio: string;
  created_at: number;
}

const COLUMNS = 'id, handle, display_name, bio, created_at';

/** Reads and writes of `users`; handles are stored lower-case so lookups are case-insensitive. */
export const usersRepo = {
  async insert(db: SqlExecutor, u: UserRecord & { password_hash: string; role: Role }): Promise<void> {
    await db.run(
      `INSERT INTO users (id, handle, display_name, password_hash, bio, created_at, role, handle_skeleton)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [u.id, u.handle, u.display_name, u.password_hash, u.bio, u.created_at, u.role, handleSkeleton(u.handle)],
    );
  },
  /** True when some account (deleted ones too) has a handle that looks like `handle`. */
  async lookAlikeExists(db: SqlExecutor, handle: string): Promise<boolean> {
    return (
      (await db.get('SELECT 1 AS x FROM users WHERE handle_skeleton = $1', [handleSkeleton(handle)])) !== undefined
    );
  },
  byId(db: SqlExecutor, id: string): Promise<UserRecord | undefined> {
    return db.get<UserRecord>(`SELECT ${COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL`, [id]);
  },
  byHandleWithHash(db: SqlExecutor, handle: string): Promise<(UserRecord & { password_hash: string }) | undefined> {
    return db.get(`SELECT ${COLUMNS}, password_hash FROM users WHERE handle = $1 AND deleted_at IS NULL`, [handle]);
  },
};

/** Server-side sessions: only the SHA-256 of a token is stored, so a leaked table grants nothing. */
export const sessionsRepo = {
  async insert(db: SqlExecutor, s: { token_hash: string; user_id: string; created_at: number; expires_at: number }) {
    await db.run('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      s.token_hash,
      s.user_id,
      s.created_at,
      s.expires_at,
    ]);
  },
  live(db: SqlExecutor, tokenHash: string, now: number) {
    return db.get<{ user_id: string; handle: string; role: string; expires_at: number; banned_at: number | null }>(
      `SELECT s.user_id, u.handle, u.role, s.expires_at, u.banned_at FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.deleted_at IS NULL`,
      [tokenHash, now],
    );
  },
  async revoke(db: SqlExecutor, tokenHash: string, now: number): Promise<void> {
    await db.run('UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL', [now, tokenHash]);
  },
};

/** Grants admin to the given handles (ADMIN_HANDLES); never demotes. Returns the accounts changed. */
export async function grantAdmins(db: SqlExecutor, handles: readonly string[]): Promise<number> {
  let changed = 0;
  for (const handle of handles) {
    const r = await db.run("UPDATE users SET role = 'admin' WHERE handle = $1 AND role <> 'admin'", [
      handle.toLowerCase(),
    ]);
    changed += r.changes;
  }
  return changed;
}

/** Sets a live account's role; false when no such handle. */
export async function setRole(db: SqlExecutor, handle: string, role: Role): Promise<boolean> {
  const r = await db.run('UPDATE users SET role = $1 WHERE handle = $2 AND deleted_at IS NULL', [
    role,
    handle.toLowerCase(),
  ]);
  return r.changes > 0;
}

/** Accounts holding `min` or above, for the CLI's listing. */
export function usersWithRole(db: SqlExecutor, min: Role): Promise<{ handle: string; role: Role }[]> {
  const roles = ROLES.filter((r) => hasRole(r, min));
  return db.all(
    `SELECT handle, role FROM users WHERE deleted_at IS NULL AND role IN (${roles.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY handle`,
    [...roles],
  );
}
