import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import { interestsRepo } from '../../domain/repos/interests.repo.ts';
import { normaliseTag, TAG_PATTERN, TAG_RULE } from '../../domain/tags.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import { openRanking } from '../../ranking/service/open.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import { openRetrieval } from '../../retrieval/service/open.ts';
import { optionalUser, requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { ServeLog } from '../engagement/serve-log.ts';
import { createFeedRuntime, type FeedRuntime } from './feed-runtime.ts';

const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const tag = z.string().transform(normaliseTag).pipe(z.string().regex(TAG_PATTERN, TAG_RULE));

const stats = z.object({ views: z.number(), likes: z.number(), comments: z.number(), shares: z.number() });
const item = z.object({
  id: z.string(),
  playback: z
    .object({
      master_url: z.string(),
      poster_url: z.string().nullable(),
      start: z
        .object({ playlist_url: z.string(), init_url: z.string(), segment_url: z.string() })
        .nullable()
        .describe(
          "The lowest rendition's media playlist, CMAF initialization segment and first segment, which a player starting on it requests after the master playlist: fetching them at once saves round trips.",
        ),
    })
    .describe(
      'Absolute URLs under PUBLIC_BASE_URL/media/, built like those of GET /videos/:id; non-public media carries a playback token.',
    ),
  author: z.object({ id: z.string(), handle: z.string(), display_name: z.string() }),
  caption: z.string(),
  hashtags: z.array(z.string()),
  duration_ms: z.number().nullable(),
  stats,
  created_at: z.number(),
  liked_by_me: z.boolean(),
  explain: z.record(z.string(), z.unknown()).optional(),
});
const feedResponse = z.object({
  request_id: z.string(),
  items: z.array(item),
  next_cursor: z.string().nullable(),
  model_version: z.string(),
  index_version: z
    .string()
    .describe(
      "The registered version of the ANN index that served the page ('none' without one). It changes when a new index is built and promoted, not when uploads are added to the serving index between builds: index_size counts those.",
    ),
  index_size: z
    .number()
    .describe('Videos in the serving ANN index when the page was served; grows with each upload added between builds'),
  explain: z.record(z.string(), z.unknown()).optional(),
});

/** The viewer's feature-store key: the signed-in user, else the X-Device-Id header. */
function viewerOf(request: FastifyRequest, feedType: 'for_you' | 'following'): { actor: string; userId?: string } {
  const user = optionalUser(request);
  if (user) return { actor: `u:${user.id}`, userId: user.id };
  if (feedType === 'following') requireUser(request);
  const raw = request.headers['x-device-id'];
  if (raw === undefined) throw new AppError('UNAUTHENTICATED', 'Send a bearer token or an X-Device-Id header.');
  if (typeof raw !== 'string' || !DEVICE_ID.test(raw)) {
    throw new AppError('VALIDATION_FAILED', 'X-Device-Id must be 1-100 of [A-Za-z0-9_.:-].');
  }
  return { actor: `d:${raw}` };
}

/**
 * GET /feed (For You and Following) and POST /me/interests, mounted under `/api/v1`. The feed never
 * answers 5xx for a missing model, index or cache: the pipeline degrades and the service falls back.
 * Pass `feedRuntime` to share one (tests, the benchmark); otherwise the plugin creates and starts its own.
 */
export function feedRoutes(
  deps: AppDeps & { featureStore?: FeatureStore; feedRuntime?: FeedRuntime; serveLog?: ServeLog },
): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    let runtime = deps.feedRuntime;
    if (!runtime) {
      const serveLog = deps.serveLog ?? new ServeLog(deps);
      const catalog = new Catalog();
      const own = createFeedRuntime({
        ...deps,
        catalog,
        retrieval: await openRetrieval(deps.config.RETRIEVAL_URL, { ...deps, catalog }),
        ranking: await openRanking(deps.config.RANKING_URL, deps),
        serveLog,
        publicBaseUrl: deps.config.PUBLIC_BASE_URL,
        playbackTokenTtlS: deps.config.PLAYBACK_TOKEN_TTL_S,
        ...(deps.config.FEED_CONFIG_DIR ? { feedConfigDir: deps.config.FEED_CONFIG_DIR } : {}),
        dataDir: deps.config.DATA_DIR,
        ...(deps.featureStore ? { featureStore: deps.featureStore } : {}),
      });
      await own.start();
      runtime = own;
      app.addHook('onClose', async () => {
        await own.close();
        if (!deps.serveLog) {
          await serveLog
            .close()
            .catch((err) =>
              deps.telemetry.component('serve-log').failed(err, 'last flush on shutdown failed; served items lost'),
            );
        }
      });
    }
    const service = runtime.service;

    app.get(
      '/feed',
      {
        schema: {
          tags: ['feed'],
          summary: 'A page of the For You or Following feed',
          querystring: z.object({
            feed_type: z.enum(['for_you', 'following']).default('for_you'),
            cursor: z.string().min(1).max(1000).optional(),
            limit: z.coerce.number().int().min(1).max(50).default(10),
            explain: z.enum(['0', '1', 'true', 'false']).optional(),
          }),
          response: { 200: feedResponse },
        },
      },
      async (request) => {
        const q = request.query;
        const viewer = viewerOf(request, q.feed_type);
        return service.page({
          requestId: String(request.id),
          feedType: q.feed_type,
          ...viewer,
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
          explain: q.explain === '1' || q.explain === 'true',
        });
      },
    );

    app.post(
      '/me/interests',
      {
        schema: {
          tags: ['feed'],
          summary: 'Replace the interests a new viewer picked (tags), used until they have history',
          body: z.object({ tags: z.array(tag).min(1).max(20) }),
          response: { 200: z.object({ tags: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const userId = requireUser(request).id;
        const tags = [...new Set(request.body.tags)].sort();
        const now = deps.clock.now();
        await interestsRepo(deps.metadata).replace(userId, tags, now);
        return { tags };
      },
    );
  };
}
