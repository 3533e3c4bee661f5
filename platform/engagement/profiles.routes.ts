import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { optionalUser, requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { cardPageQuery, cardPageSchema } from '../discovery/discovery.routes.ts';
import { followRequestsService } from './follow-requests.service.ts';
import { profileListsService } from './profile-lists.service.ts';

const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'id: 1-64 of [A-Za-z0-9_-]') });
const userPage = z.object({
  items: z.array(z.object({ id: z.string(), handle: z.string(), display_name: z.string() })),
  next_cursor: z.string().nullable(),
});
const settings = z.object({
  likes_public: z
    .boolean()
    .describe('Whether others may list your liked videos (GET /users/:id/likes); default false.'),
  private: z
    .boolean()
    .describe(
      'A private account: follows become requests you approve (GET /me/follow-requests), and your videos, liked videos, followers and following are seen by approved followers only; default false. Switching back to public approves every pending request.',
    ),
});
const PRIVATE_403 = 'A private account answers 403 ACCOUNT_PRIVATE to anyone but its owner and approved followers.';
const BLOCK_404 = 'A block between the caller and the user, either way, answers 404 USER_NOT_FOUND, like the profile.';

/** A user's videos, liked videos, followers and following, and the caller's profile settings; under `/api/v1`. */
export function profilesRoutes(deps: AppDeps): FastifyPluginAsync {
  const lists = profileListsService(deps);
  const requests = followRequestsService(deps);
  const settingsOf = async (userId: string) => ({
    ...(await lists.settings(userId)),
    private: await requests.isPrivate(userId),
  });
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/users/:id/videos',
      {
        schema: {
          tags: ['profiles'],
          summary: "A user's videos, newest first: those the caller may open (all of their own, in any state)",
          description: `A private account's videos are listed to its owner and approved followers only (an empty page for others). ${BLOCK_404}`,
          params: idParams,
          querystring: cardPageQuery,
          response: { 200: cardPageSchema },
        },
      },
      async (request) => lists.videos(request.params.id, optionalUser(request)?.id, request.query),
    );
    app.get(
      '/users/:id/likes',
      {
        schema: {
          tags: ['profiles'],
          summary: 'Videos a user liked, most recent like first; others get 403 LIKES_PRIVATE unless made public',
          description: `Only videos the caller may open are listed. ${PRIVATE_403} ${BLOCK_404}`,
          params: idParams,
          querystring: cardPageQuery,
          response: { 200: cardPageSchema },
        },
      },
      async (request) => lists.likes(request.params.id, optionalUser(request)?.id, request.query),
    );
    app.get(
      '/users/:id/followers',
      {
        schema: {
          tags: ['profiles'],
          summary: "A user's followers, most recent first",
          description: `${PRIVATE_403} Banned and deleted users and users on either side of a block with the caller are left out. ${BLOCK_404}`,
          params: idParams,
          querystring: cardPageQuery,
          response: { 200: userPage },
        },
      },
      async (request) => lists.followers(request.params.id, optionalUser(request)?.id, request.query),
    );
    app.get(
      '/users/:id/following',
      {
        schema: {
          tags: ['profiles'],
          summary: 'Whom a user follows, most recent first',
          description: `${PRIVATE_403} Banned and deleted users and users on either side of a block with the caller are left out. ${BLOCK_404}`,
          params: idParams,
          querystring: cardPageQuery,
          response: { 200: userPage },
        },
      },
      async (request) => lists.following(request.params.id, optionalUser(request)?.id, request.query),
    );
    app.get(
      '/me/settings',
      { schema: { tags: ['profiles'], summary: 'Your profile settings', response: { 200: settings } } },
      async (request) => settingsOf(requireUser(request).id),
    );
    app.patch(
      '/me/settings',
      {
        schema: {
          tags: ['profiles'],
          summary: 'Change your profile settings',
          body: settings.partial().strict(),
          response: { 200: settings },
        },
      },
      async (request) => {
        const userId = requireUser(request).id;
        const { private: isPrivate, ...rest } = request.body;
        await lists.updateSettings(userId, rest);
        if (isPrivate !== undefined) await requests.setPrivate(userId, isPrivate);
        return settingsOf(userId);
      },
    );
  };
}
