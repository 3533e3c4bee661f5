import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cleanMultiline } from '../../core/text/safe-text.ts';
import {
  APPEAL_DECISIONS,
  MODERATION_ACTIONS,
  REPORT_REASONS,
  REPORT_TARGETS,
} from '../../domain/moderation/policy.ts';
import { requireRole, requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { moderationService } from './moderation.service.ts';

const entityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'id: 1-64 of [A-Za-z0-9_-]');
const idParams = z.object({ id: entityId });
const text = (max: number, what: string) =>
  z
    .string()
    .transform(cleanMultiline)
    .pipe(z.string().trim().min(1, `${what}: 1 to ${max} characters`).max(max, `${what}: 1 to ${max} characters`));

const caseView = z.object({
  id: z.string(),
  target: z.object({
    type: z.enum(REPORT_TARGETS),
    id: z.string(),
    owner_id: z.string(),
    owner_handle: z.string(),
    text: z.string().describe('The caption, the comment, or the handle'),
    video_id: z.string().nullable().describe("The video, or the comment's video"),
    label: z.string().nullable().describe("A video's moderation label: none, held, limited or removed"),
    banned: z.boolean().describe("Whether the target's owner is banned"),
  }),
  status: z.enum(['open', 'actioned', 'dismissed']),
  decision: z.string().nullable().describe('dismiss, limit, remove, ban; reversed after a reversed appeal'),
  report_count: z.number(),
  reasons: z.record(z.string(), z.number()).describe('Reports per reason code'),
  reach: z.number().describe("Views of the video (a comment's video) or followers of the user"),
  risk: z.number().describe('Trusted reports × (1 + log10(1 + reach)); the queue order'),
  created_at: z.number(),
  updated_at: z.number(),
  decided_at: z.number().nullable(),
  appeal: z
    .object({
      status: z.enum(['open', 'upheld', 'reversed']),
      message: z.string(),
      created_at: z.number(),
      decided_at: z.number().nullable(),
    })
    .nullable(),
});
const page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

/**
 * Reports (any signed-in user), the moderation queue, case actions and appeal decisions (moderators and
 * admins), and appeals of decisions by the creator they concern. Mounted under `/api/v1`.
 */
export function moderationRoutes(deps: AppDeps): FastifyPluginAsync {
  const moderation = moderationService({
    metadata: deps.metadata,
    cache: deps.cache,
    clock: deps.clock,
    holdThreshold: deps.config.REPORT_HOLD_THRESHOLD,
  });

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/reports',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Report a video, a comment or a user',
          description:
            'One report per reporter and target: reporting the same target again answers 200 with duplicate=true and changes nothing. Targets the caller cannot see are 404 (VIDEO_NOT_FOUND, COMMENT_NOT_FOUND, USER_NOT_FOUND); your own content is 400. REPORTS_PER_USER_PER_HOUR reports an hour (429 RATE_LIMITED). A video reported by REPORT_HOLD_THRESHOLD users is held from recommendation until a moderator decides.',
          body: z.object({
            target_type: z.enum(REPORT_TARGETS),
            target_id: entityId,
            reason: z.enum(REPORT_REASONS),
            note: z
              .string()
              .transform(cleanMultiline)
              .pipe(z.string().trim().max(500, 'note: at most 500 characters'))
              .optional(),
          }),
          response: {
            201: z.object({ duplicate: z.literal(false) }),
            200: z.object({ duplicate: z.literal(true) }),
          },
        },
      },
      async (request, reply) => {
        const result = await moderation.report(requireUser(request).id, request.body);
        return reply.status(result.duplicate ? 200 : 201).send(result as never);
      },
    );

    app.get(
      '/moderation/queue',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Open cases, riskiest first (moderators)',
          querystring: page,
          response: { 200: z.object({ items: z.array(caseView), next_offset: z.number().nullable() }) },
        },
      },
      async (request) => {
        requireRole(request, 'moderator');
        const { limit, offset } = request.query;
        const items = await moderation.queue(limit, offset);
        return { items, next_offset: items.length === limit ? offset + limit : null };
      },
    );

    app.get(
      '/moderation/cases/:id',
      {
        schema: {
          tags: ['moderation'],
          summary: 'A case with its reports and audit trail (moderators)',
          params: idParams,
          response: {
            200: caseView.extend({
              reports: z.array(
                z.object({
                  reporter_id: z.string(),
                  reason: z.string(),
                  note: z.string(),
                  trust: z.number(),
                  created_at: z.number(),
                }),
              ),
              actions: z.array(
                z.object({
                  id: z.string(),
                  moderator_id: z.string(),
                  action: z.string(),
                  reason: z.string(),
                  details: z.record(z.string(), z.unknown()),
                  created_at: z.number(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => {
        requireRole(request, 'moderator');
        return moderation.get(request.params.id);
      },
    );

    app.post(
      '/moderation/cases/:id/actions',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Decide an open case: dismiss, limit, remove or ban (moderators; audited)',
          description:
            'dismiss: nothing wrong (a held video is released). limit (videos): kept out of For You and trending. remove (videos, comments): gone everywhere at once, media included. ban: the account of the target (or of its author) may only read, sign out and appeal, and its videos are removed. The creator is notified of every action but dismiss and may appeal once. 409 CASE_CLOSED when already decided.',
          params: idParams,
          body: z.object({ action: z.enum(MODERATION_ACTIONS), reason: text(500, 'reason') }),
          response: { 200: caseView },
        },
      },
      async (request) =>
        moderation.act(
          requireRole(request, 'moderator').id,
          request.params.id,
          request.body.action,
          request.body.reason,
        ),
    );

    app.get(
      '/moderation/appeals',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Cases with an open appeal, oldest first (moderators)',
          querystring: page.pick({ limit: true }),
          response: { 200: z.object({ items: z.array(caseView) }) },
        },
      },
      async (request) => {
        requireRole(request, 'moderator');
        return { items: await moderation.appeals(request.query.limit) };
      },
    );

    app.post(
      '/moderation/cases/:id/appeal/decision',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Uphold or reverse an appeal (moderators; audited)',
          description: 'reverse undoes the decision (label, removal or ban). The creator is notified either way.',
          params: idParams,
          body: z.object({ decision: z.enum(APPEAL_DECISIONS), reason: text(500, 'reason') }),
          response: { 200: caseView },
        },
      },
      async (request) =>
        moderation.decideAppeal(
          requireRole(request, 'moderator').id,
          request.params.id,
          request.body.decision,
          request.body.reason,
        ),
    );

    app.get(
      '/me/moderation',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Decisions taken against your content, with their appeals',
          querystring: page.pick({ limit: true }),
          response: { 200: z.object({ items: z.array(caseView) }) },
        },
      },
      async (request) => ({ items: await moderation.mine(requireUser(request).id, request.query.limit) }),
    );

    app.post(
      '/moderation/cases/:id/appeal',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Appeal a decision against your content, once',
          description:
            '404 CASE_NOT_FOUND unless the case concerns your content; 409 NOT_APPEALABLE unless an action was taken; 409 APPEAL_EXISTS the second time. Banned accounts may appeal.',
          params: idParams,
          body: z.object({ message: text(1000, 'message') }),
          response: { 201: caseView },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await moderation.appeal(requireUser(request).id, request.params.id, request.body.message)),
    );
  };
}
