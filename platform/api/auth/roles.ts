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
