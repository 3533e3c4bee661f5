import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors/registry.ts';
import { hasRole, type Role } from './roles.ts';

/** The caller as the auth hook resolved it from a bearer token. */
export interface AuthUser {
  id: string;
  handle: string;
  /** What the caller may do beyond their own content (`requireRole`). */
  role: Role;
  /** Set when a moderator banned the account: it may only read, sign out and appeal (`installBanGuard`). */
  banned?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook when a valid bearer token came with the request. */
    user?: AuthUser;
  }
}

/** The authenticated caller, or 401 UNAUTHENTICATED. */
export function requireUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('UNAUTHENTICATED');
  return request.user;
}

/** The caller when authenticated, else undefined (anonymous access). */
export function optionalUser(request: FastifyRequest): AuthUser | undefined {
  return request.user;
}

/** The caller when their role is `min` or above: 401 UNAUTHENTICATED when anonymous, 403 FORBIDDEN otherwise. */
export function requireRole(request: FastifyRequest, min: Role): AuthUser {
  const user = requireUser(request);
  if (!hasRole(user.role, min)) throw new AppError('FORBIDDEN', `This needs the ${min} role.`, { required: min });
  return user;
}
