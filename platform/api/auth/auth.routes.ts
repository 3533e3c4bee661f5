import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../../core/errors/registry.ts';
import { readGoesOnUncounted, type WindowCounters } from '../rate-limit.ts';
import type { AuthService } from './auth.service.ts';
import { requireUser } from './current-user.ts';
import { ROLES } from './roles.ts';

const handle = z
  .string()
  .regex(/^[A-Za-z0-9_.]{3,30}$/, 'handle: 3–30 letters, digits, "_" or "."')
  .describe('Unique, case-insensitive');
const password = z.string().min(8, 'password: at least 8 characters').max(200);
const user = z.object({
  id: z.string(),
  handle: z.string(),
  display_name: z.string(),
  bio: z.string(),
  created_at: z.number(),
});
const grant = z.object({ user, token: z.string(), expires_at: z.number() });
const authHeader = z.object({ authorization: z.string().optional() });

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(h);
  if (!m) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".');
  return m[1];
}

/**
 * Resolves `Authorization: Bearer` on every request into `request.user`. A token that is present but
 * unknown, expired or revoked is a 401, not an anonymous request, so clients notice a dead session.
 */
export function installAuthHook(
  app: FastifyInstance,
  auth: AuthService,
  counters?: WindowCounters,
  invalidTokensPerIpPerMin = 20,
  opts: { skip?: (request: FastifyRequest) => boolean; onUncounted?: (err: unknown) => void } = {},
): void {
  app.decorateRequest('user', undefined);
  // Guessing tokens costs a lookup each: past the budget an address gets 429 before any lookup.
  const badTokens = (ip: string) => ({ key: `badtoken:${ip}`, limit: invalidTokensPerIpPerMin, windowMs: 60_000 });
  app.addHook('onRequest', async (request) => {
    if (opts.skip?.(request)) return;
    const token = bearer(request);
    if (token === undefined) return;
    await counters?.check(badTokens(request.ip)).catch((err: unknown) => {
      if (!readGoesOnUncounted(request, err, opts.onUncounted)) throw err;
    });
    const found = await auth.resolve(token);
    if (!found) {
      await counters?.spend([badTokens(request.ip)]).catch((err: unknown) => {
        if (!readGoesOnUncounted(request, err, opts.onUncounted)) throw err;
      });
      throw new AppError('UNAUTHENTICATED', 'The session token is unknown, expired or revoked.');
    }
    request.user = found;
  });
}

/** What a banned account may still do besides reading: sign out and appeal. */
const BANNED_MAY = new Set(['/api/v1/auth/logout', '/api/v1/moderation/cases/:id/appeal']);

/**
 * Refuses every write of a banned account with 403 ACCOUNT_BANNED, except signing out and appealing.
 * Reads stay open, so the account can see the decision (GET /me/moderation) and its notifications.
 */
export function installBanGuard(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    if (!request.user?.banned || request.method === 'GET' || request.method === 'HEAD') return;
    if (BANNED_MAY.has(request.routeOptions.url ?? '')) return;
    throw new AppError('ACCOUNT_BANNED');
  });
}

/** `/auth/register`, `/auth/login`, `/auth/logout` and `/me`. */
export function authRoutes(auth: AuthService): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/auth/register',
      {
        schema: {
          tags: ['auth'],
          summary: 'Create an account and a session',
          body: z.object({ handle, password, display_name: z.string().trim().min(1).max(60).optional() }),
          response: { 201: grant },
        },
      },
      async (request, reply) => reply.status(201).send(await auth.register(request.body)),
    );
    app.post(
      '/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Exchange a handle and password for a session token',
          body: z.object({ handle: z.string().min(1).max(30), password: z.string().min(1).max(200) }),
          response: { 200: grant },
        },
      },
      async (request) => auth.login(request.body, { ip: request.ip }),
    );
    app.post(
      '/auth/logout',
      { schema: { tags: ['auth'], summary: 'Revoke the current session token', headers: authHeader } },
      async (request, reply) => {
        requireUser(request);
        await auth.logout(bearer(request)!);
        return reply.status(204).send();
      },
    );
    app.get(
      '/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'The authenticated user, with their role and whether they are banned',
          headers: authHeader,
          response: { 200: user.extend({ role: z.enum(ROLES), banned: z.boolean() }) },
        },
      },
      async (request) => {
        const caller = requireUser(request);
        const me = await auth.me(caller.id);
        if (!me) throw new AppError('UNAUTHENTICATED');
        return { ...me, role: caller.role, banned: caller.banned === true };
      },
    );
  };
}
