import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import { cleanMultiline } from '../../core/text/safe-text.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import { optionalUser, requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { blocksService } from './blocks.service.ts';
import { clientEventBatchSchema, clientEventsService, deviceIdSchema } from './client-events.service.ts';
import { commentsService } from './comments.service.ts';
import { VideoCounters } from './counters.ts';
import type { EngagementDeps } from './deps.ts';
import { followsService } from './follows.service.ts';
import { likesService } from './likes.service.ts';
import { profilesService } from './profiles.service.ts';
import { SHARE_CHANNELS, sharesService } from './shares.service.ts';

const entityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'id: 1-64 of [A-Za-z0-9_-]');
const idParams = z.object({ id: entityId });
const commentView = z.object({
  id: z.string(),
  video_id: z.string(),
  parent_id: z.string().nullable(),
  user: z.object({ id: z.string(), handle: z.string() }),
  content: z.string(),
  created_at: z.number(),
  reply_count: z.number(),
});

/** The caller's actor for client events: the signed-in user, else the X-Device-Id header, else 401. */
function eventActor(request: FastifyRequest): { userId?: string; deviceId?: string } {
  const user = optionalUser(request);
  if (user) return { userId: user.id };
  const raw = request.headers['x-device-id'];
  if (raw === undefined) throw new AppError('UNAUTHENTICATED', 'Send a bearer token or an X-Device-Id header.');
  const parsed = deviceIdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'X-Device-Id must be 1-100 of [A-Za-z0-9_.:-].');
  return { deviceId: parsed.data };
}

/**
 * Likes, comments, shares, follows, blocks, profiles and client events, mounted under `/api/v1`.
 * Every write is durable in the metadata store and the event log before it answers 2xx.
 * @remarks `featureStore` is accepted for wiring symmetry; these routes only write, the consumers fold.
 */
export function engagementRoutes(
  deps: AppDeps & { featureStore?: FeatureStore; counters?: VideoCounters },
): FastifyPluginAsync {
  const counters = deps.counters ?? new VideoCounters(deps);
  const d: EngagementDeps = { ...deps, counters };
  const likes = likesService(d);
  const comments = commentsService(d);
  const shares = sharesService(d);
  const follows = followsService(d);
  const blocks = blocksService(d);
  const profiles = profilesService(d);
  const clientEvents = clientEventsService(d, {
    devicesPerAddress: deps.config.ANON_DEVICES_PER_IP_PER_HOUR,
    windowMs: 3_600_000,
  });

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const likeBody = z.object({ liked: z.boolean(), like_count: z.number() });
    app.post(
      '/videos/:id/like',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Like a video (idempotent)',
          params: idParams,
          response: { 200: likeBody },
        },
      },
      async (request) => likes.like(requireUser(request).id, request.params.id),
    );
    app.delete(
      '/videos/:id/like',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Remove a like (idempotent)',
          params: idParams,
          response: { 200: likeBody },
        },
      },
      async (request) => likes.unlike(requireUser(request).id, request.params.id),
    );

    app.get(
      '/videos/:id/comments',
      {
        schema: {
          tags: ['engagement'],
          summary: 'A page of comments, or of one comment’s replies with parent_id',
          params: idParams,
          querystring: z.object({
            cursor: z.string().max(400).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(20),
            parent_id: entityId.optional(),
          }),
          response: { 200: z.object({ items: z.array(commentView), next_cursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const q = request.query;
        return comments.list(request.params.id, optionalUser(request)?.id, {
          limit: q.limit,
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          ...(q.parent_id !== undefined ? { parentId: q.parent_id } : {}),
        });
      },
    );
    app.post(
      '/videos/:id/comments',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Comment on a video, or reply with parent_id',
          params: idParams,
          body: z.object({
            content: z
              .string()
              .transform(cleanMultiline)
              .pipe(z.string().trim().min(1, 'content: 1 to 500 characters').max(500, 'content: 1 to 500 characters')),
            parent_id: entityId.optional(),
          }),
          response: { 201: commentView },
        },
      },
      async (request, reply) => {
        const userId = requireUser(request).id;
        const { content, parent_id } = request.body;
        return reply.status(201).send(await comments.create(userId, request.params.id, content, parent_id));
      },
    );
    app.delete(
      '/comments/:id',
      { schema: { tags: ['engagement'], summary: 'Delete your comment (or one on your video)', params: idParams } },
      async (request, reply) => {
        await comments.remove(requireUser(request).id, request.params.id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/videos/:id/share',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Record a share',
          params: idParams,
          body: z.object({ channel: z.enum(SHARE_CHANNELS) }),
          response: { 201: z.object({ id: z.string(), share_count: z.number() }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await shares.share(requireUser(request).id, request.params.id, request.body.channel)),
    );

    const followBody = z.object({
      following: z.boolean(),
      requested: z
        .boolean()
        .describe('True when the account is private and the follow waits for its owner (GET /me/follow-requests)'),
      follower_count: z.number(),
    });
    app.post(
      '/users/:id/follow',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Follow a user (idempotent); 403 BLOCKED across a block',
          description:
            'Following a private account sends it a follow request instead (`following: false, requested: true`); its owner approves or denies it. Following again while it waits is a no-op.',
          params: idParams,
          response: { 200: followBody },
        },
      },
      async (request) => follows.follow(requireUser(request).id, request.params.id),
    );
    app.delete(
      '/users/:id/follow',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Unfollow a user, or cancel a pending follow request (idempotent)',
          params: idParams,
          response: { 200: followBody },
        },
      },
      async (request) => follows.unfollow(requireUser(request).id, request.params.id),
    );

    const blockBody = z.object({ blocked: z.boolean() });
    app.post(
      '/users/:id/block',
      {
        schema: {
          tags: ['engagement'],
          summary:
            "Block a user (idempotent): neither of you sees the other's videos, comments or profile; follows between you are removed; follows, likes, comments and mentions across it get 403 BLOCKED",
          params: idParams,
          response: { 200: blockBody },
        },
      },
      async (request) => blocks.block(requireUser(request).id, request.params.id),
    );
    app.delete(
      '/users/:id/block',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Unblock a user (idempotent)',
          params: idParams,
          response: { 200: blockBody },
        },
      },
      async (request) => blocks.unblock(requireUser(request).id, request.params.id),
    );
    app.get(
      '/users/:id',
      {
        schema: {
          tags: ['engagement'],
          summary: 'A user’s profile with follower, following and video counts',
          params: idParams,
          response: {
            200: z.object({
              id: z.string(),
              handle: z.string(),
              display_name: z.string(),
              bio: z.string(),
              created_at: z.number(),
              follower_count: z.number(),
              following_count: z.number(),
              video_count: z.number(),
              followed_by_viewer: z.boolean(),
              likes_public: z.boolean().describe('Whether GET /users/:id/likes lists their liked videos to others'),
              private: z
                .boolean()
                .describe(
                  'A private account: its videos, liked videos, followers and following are for approved followers only',
                ),
              follow_requested: z
                .boolean()
                .describe('Whether the caller waits for this private account to approve them'),
            }),
          },
        },
      },
      async (request) => profiles.get(request.params.id, optionalUser(request)?.id),
    );

    app.post(
      '/events',
      {
        schema: {
          tags: ['engagement'],
          summary: 'Client playback events (batch of up to 100), deduplicated by client_event_id',
          description:
            'Events for videos the caller cannot see, stamped more than 5 min in the future, or from an anonymous device beyond ANON_DEVICES_PER_IP_PER_HOUR new devices per address are dropped (counted in `dropped`). watch_ms is clamped to the video duration and to 2× the wall clock per actor per hour.',
          headers: z.object({ 'x-device-id': z.string().optional() }),
          body: clientEventBatchSchema,
          response: { 202: z.object({ accepted: z.number(), duplicates: z.number(), dropped: z.number() }) },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await clientEvents.ingest(eventActor(request), request.body.events, request.ip)),
    );
  };
}
