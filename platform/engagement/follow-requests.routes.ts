import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { cardPageQuery } from '../discovery/discovery.routes.ts';
import { followRequestsService } from './follow-requests.service.ts';

const requesterParams = z.object({
  userId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'userId: 1-64 of [A-Za-z0-9_-]'),
});
const requestPage = z.object({
  items: z.array(
    z.object({
      user: z.object({ id: z.string(), handle: z.string(), display_name: z.string() }),
      requested_at: z.number().describe('When the request was made (epoch ms)'),
    }),
  ),
  next_cursor: z.string().nullable(),
});
const decision = z.object({ approved: z.boolean() });
const NOT_PENDING = '404 FOLLOW_REQUEST_NOT_FOUND when that user has no pending request to follow you.';

/**
 * The owner's side of follow requests to a private account, under `/api/v1`: list, approve, deny. The
 * requester's side is `POST /users/:id/follow` (answers `requested: true`) and `DELETE /users/:id/follow`
 * (cancels); account privacy is `PATCH /me/settings` `{ private }`.
 */
export function followRequestsRoutes(deps: AppDeps): FastifyPluginAsync {
  const requests = followRequestsService(deps);
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/me/follow-requests',
      {
        schema: {
          tags: ['profiles'],
          summary: 'Requests to follow your private account that wait for you, oldest first',
          description: 'Requests from banned or deleted users are left out. Empty for a public account.',
          querystring: cardPageQuery,
          response: { 200: requestPage },
        },
      },
      async (request) => requests.list(requireUser(request).id, request.query),
    );
    app.post(
      '/me/follow-requests/:userId/approve',
      {
        schema: {
          tags: ['profiles'],
          summary: 'Approve a follow request: the user follows you and is told (follow_approved notification)',
          description: NOT_PENDING,
          params: requesterParams,
          response: { 200: decision },
        },
      },
      async (request) => requests.approve(requireUser(request).id, request.params.userId),
    );
    app.post(
      '/me/follow-requests/:userId/deny',
      {
        schema: {
          tags: ['profiles'],
          summary: 'Deny a follow request; the user is not told and may ask again',
          description: NOT_PENDING,
          params: requesterParams,
          response: { 200: decision },
        },
      },
      async (request) => requests.deny(requireUser(request).id, request.params.userId),
    );
  };
}
