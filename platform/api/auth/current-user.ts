import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors/registry.ts';
import type { Role } from './roles.ts';

/** The caller as the auth hook resolved it from a bearer token. */
export interface AuthUser {
  id: string;
  handle: string;
  /** What the caller may do beyond their own content (`requireRole`). */
  role: Role;
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
