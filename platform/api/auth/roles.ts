import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors/registry.ts';
import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import { type AuthUser, requireUser } from './current-user.ts';

/** The roles an account may hold, least privileged first: each may do what the ones before it may. */
export const ROLES = ['user', 'moderator', 'admin'] as const;

/** An account's role (`users.role`); every account starts as `user`. */
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** True when `role` is `min` or above it. The one place that decides who may act as what. */
export function hasRole(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

/** The caller when their role is `min` or above: 401 UNAUTHENTICATED when anonymous, 403 FORBIDDEN otherwise. */
export function requireRole(request: FastifyRequest, min: Role): AuthUser {
  const user = requireUser(request);
  if (!hasRole(user.role, min)) throw new AppError('FORBIDDEN', `This needs the ${min} role.`, { required: min });
  return user;
}

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
