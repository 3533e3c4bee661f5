import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normaliseTag, TAG_PATTERN, TAG_RULE } from '../../domain/tags.ts';
import { optionalUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { discoveryService, TRENDING_WEIGHTS, TRENDING_WINDOW_MS } from './discovery.service.ts';
import { openSearchIndex } from './search/open.ts';

/** A video tile as search, hashtag pages and profile grids return it. */
export const videoCardSchema = z.object({
  id: z.string(),
  author: z.object({ id: z.string(), handle: z.string(), display_name: z.string() }),
  caption: z.string(),
  hashtags: z.array(z.string()),
  duration_ms: z.number().nullable(),
  created_at: z.number(),
  poster_url: z.string().nullable().describe('Absolute; non-public videos carry a playback token for the viewer.'),
  stats: z.object({ views: z.number(), likes: z.number(), comments: z.number(), shares: z.number() }),
});
/** A page of video tiles. */
export const cardPageSchema = z.object({ items: z.array(videoCardSchema), next_cursor: z.string().nullable() });
/** Cursor and page size of the card lists. */
export const cardPageQuery = z.object({
  cursor: z.string().max(400).optional().describe('next_cursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
const userHit = z.object({ id: z.string(), handle: z.string(), display_name: z.string() });
const tagHit = z.object({ tag: z.string(), video_count: z.number() });
const query = z.string().trim().min(1, 'q: 1 to 200 characters').max(200, 'q: 1 to 200 characters');
const tagParams = z.object({
  tag: z.string().max(200).transform(normaliseTag).pipe(z.string().regex(TAG_PATTERN, TAG_RULE)),
});
const ACCESS =
  'Only videos the caller may open are listed (the same rule as GET /videos/:id: removed, private, friends-only to non-friends and blocked authors never appear).';

/** Search, hashtag pages and trending hashtags, mounted under `/api/v1`; anonymous callers welcome. */
export function discoveryRoutes(deps: AppDeps): FastifyPluginAsync {
  const discovery = discoveryService(deps, openSearchIndex(deps.metadata));
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/search/videos',
      {
        schema: {
          tags: ['discovery'],
          summary: 'Videos whose caption or hashtags hold every word of q (each as a prefix), best match first',
          description: `Words are letters and digits; "#", punctuation and case are ignored, accents are not. ${ACCESS}`,
          querystring: cardPageQuery.extend({ q: query }),
          response: { 200: cardPageSchema },
        },
      },
      async (request) => {
        const { q, cursor, limit } = request.query;
        return discovery.searchVideos(optionalUser(request)?.id, q, { cursor, limit });
      },
    );
    app.get(
      '/search/users',
      {
        schema: {
          tags: ['discovery'],
          summary: 'Users whose handle starts with q (a leading @ ignored), shortest first',
          description: 'Deleted and banned users, and users on either side of a block with the caller, are left out.',
          querystring: z.object({ q: query, limit: z.coerce.number().int().min(1).max(50).default(20) }),
          response: { 200: z.object({ items: z.array(userHit) }) },
        },
      },
      async (request) => ({
        items: await discovery.searchUsers(optionalUser(request)?.id, request.query.q, request.query.limit),
      }),
    );
    app.get(
      '/search/suggestions',
      {
        schema: {
          tags: ['discovery'],
          summary: 'Prefix suggestions while typing: hashtags and handles starting with q',
          description: 'q starting with # suggests hashtags only, with @ handles only.',
          querystring: z.object({ q: query, limit: z.coerce.number().int().min(1).max(20).default(5) }),
          response: { 200: z.object({ tags: z.array(tagHit), users: z.array(userHit) }) },
        },
      },
      async (request) => discovery.suggest(optionalUser(request)?.id, request.query.q, request.query.limit),
    );
    app.get(
      '/hashtags/:tag',
      {
        schema: {
          tags: ['discovery'],
          summary: 'A hashtag page header: the normalised tag and how many public videos carry it',
          params: tagParams,
          response: { 200: tagHit },
        },
      },
      async (request) => discovery.tag(request.params.tag),
    );
    app.get(
      '/hashtags/:tag/videos',
      {
        schema: {
          tags: ['discovery'],
          summary: "A hashtag's videos: recent (newest first) or top (most liked, then most viewed)",
          description: ACCESS,
          params: tagParams,
          querystring: cardPageQuery.extend({ sort: z.enum(['recent', 'top']).default('recent') }),
          response: { 200: cardPageSchema },
        },
      },
      async (request) => {
        const { sort, cursor, limit } = request.query;
        return discovery.tagVideos(optionalUser(request)?.id, request.params.tag, sort, { cursor, limit });
      },
    );
    app.get(
      '/trending/hashtags',
      {
        schema: {
          tags: ['discovery'],
          summary: 'Trending hashtags',
          description: `Ranked by score = ${TRENDING_WEIGHTS.video} × new videos + ${TRENDING_WEIGHTS.like} × likes + ${TRENDING_WEIGHTS.view} × viewer-hours, all within the last ${TRENDING_WINDOW_MS / 3_600_000} h, over public, ready videos that are not held, limited or removed.`,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  tag: z.string(),
                  score: z.number(),
                  videos: z.number(),
                  likes: z.number(),
                  views: z.number(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ items: await discovery.trending(request.query.limit) }),
    );
  };
}
