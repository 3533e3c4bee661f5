import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from './auth/current-user.ts';
import type { AppDeps } from './deps.ts';
import { readOpsStatus } from './ops-status.ts';
import { listCatalogue, opsVideoPage, opsVideosQuery } from './ops-videos.ts';

const depth = z.object({
  waiting: z.number(),
  delayed: z.number(),
  active: z.number(),
  completed: z.number(),
  failed: z.number(),
});
const opsStatus = z.object({
  uptime_s: z.number().describe('Seconds since this process started'),
  started_at: z.number(),
  models: z.array(
    z.object({
      name: z.string(),
      stage: z.string().describe('The registry stage followed (production)'),
      loaded_version: z.string().nullable(),
      loaded_at: z.number().nullable(),
      last_error: z.string().nullable().describe('The last failed load or registry read, until a load succeeds'),
      rejected: z
        .array(z.object({ version: z.string(), error: z.string(), at: z.number(), attempts: z.number() }))
        .describe('Promoted versions that failed to load, newest first'),
    }),
  ),
  index: z
    .object({ version: z.string(), size: z.number(), dims: z.number(), built_at: z.number(), age_s: z.number() })
    .nullable()
    .describe('The serving ANN index; null before any exists'),
  event_log: z.object({ topic: z.string(), end_offsets: z.array(z.number()) }).nullable(),
  consumers: z.array(z.object({ group: z.string(), committed: z.array(z.number()), lag: z.number() })),
  queues: z.array(z.object({ queue: z.string(), depth })),
  unavailable: z
    .array(z.object({ part: z.string(), error: z.string() }))
    .describe('Parts that could not be read just now, with why'),
});

/** Operator routes, mounted under `/api/v1`; each requires the admin role (401 anonymous, 403 otherwise). */
export function opsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/ops/status',
      {
        schema: {
          tags: ['ops'],
          summary: 'Loaded and rejected models, the ANN index, consumer lag, queue depths (admin only)',
          description:
            'For operators: what the serving process has loaded and refused, and how far behind its workers are. ' +
            '401 UNAUTHENTICATED without a token, 403 FORBIDDEN without the admin role (ADMIN_HANDLES or `npm run users -- set-role`).',
          response: { 200: opsStatus },
        },
      },
      async (request) => {
        requireRole(request, 'admin');
        return readOpsStatus(deps);
      },
    );
    app.get(
      '/ops/videos',
      {
        schema: {
          tags: ['ops'],
          summary: 'The whole catalogue, newest first, in every state, privacy and moderation label (admin only)',
          description:
            'For operators: every video whoever may see it, filtered by status or author, deleted ones on request. ' +
            '401 UNAUTHENTICATED without a token, 403 FORBIDDEN without the admin role.',
          querystring: opsVideosQuery,
          response: { 200: opsVideoPage },
        },
      },
      async (request) => {
        requireRole(request, 'admin');
        return listCatalogue(deps.metadata, request.query);
      },
    );
  };
}
