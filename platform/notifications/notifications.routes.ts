import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isId } from '../../core/ids.ts';
import { NOTIFICATION_TYPES } from '../../domain/repos/notifications.repo.ts';
import { requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { notificationsService, toNotificationView } from './notifications.service.ts';

const notification = z.object({
  id: z.string(),
  type: z.enum(NOTIFICATION_TYPES),
  actor: z.object({ id: z.string(), handle: z.string() }).nullable(),
  video_id: z.string().nullable(),
  comment_id: z.string().nullable(),
  case_id: z.string().nullable().describe('The moderation case, for moderation outcomes (appeal with it)'),
  data: z.record(z.string(), z.unknown()).describe('Moderation outcomes: action, reason, target_type, appealable'),
  created_at: z.number(),
  read: z.boolean(),
});
const unread = z.object({ unread_count: z.number() });
const STREAM_BATCH = 100;
const HEARTBEAT_MS = 15_000;

/**
 * Notifications of likes, comments, replies, follows and moderation outcomes: a page (polling), the
 * unread count, mark-read, and a server-sent events stream. Mounted under `/api/v1`.
 */
export function notificationsRoutes(deps: AppDeps): FastifyPluginAsync {
  const service = notificationsService({ metadata: deps.metadata, clock: deps.clock });
  const pollMs = deps.config.NOTIFICATIONS_POLL_MS;
  const maxMs = deps.config.NOTIFICATIONS_STREAM_MAX_S * 1000;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    // Streams end when the server drains, so a shutdown never waits out an open stream.
    const open = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of open) end();
    });

    app.get(
      '/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Your notifications, newest first, with the unread count',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(100).default(20),
            cursor: z.string().max(40).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(notification),
              unread_count: z.number(),
              next_cursor: z.string().nullable(),
            }),
          },
        },
      },
      async (request) => service.list(requireUser(request).id, request.query.limit, request.query.cursor),
    );

    app.get(
      '/notifications/unread-count',
      {
        schema: { tags: ['notifications'], summary: 'How many notifications are unread', response: { 200: unread } },
      },
      async (request) => ({ unread_count: await service.unreadCount(requireUser(request).id) }),
    );

    app.post(
      '/notifications/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark notifications read: the given ids, or all without ids',
          body: z.object({ ids: z.array(z.string().max(40)).max(200).optional() }),
          response: { 200: z.object({ marked: z.number(), unread_count: z.number() }) },
        },
      },
      async (request) => service.markRead(requireUser(request).id, request.body.ids),
    );

    app.get(
      '/notifications/stream',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Server-sent events: each new notification, and the unread count',
          description: `text/event-stream. Events: \`notification\` (data: a notification, id: its id) and \`unread\` (data: {"unread_count"}), sent at once and after each batch; a comment line every 15 s keeps proxies from closing it. Without Last-Event-ID (header, or the last_event_id query) only notifications newer than the connection are sent. The stream ends after NOTIFICATIONS_STREAM_MAX_S; EventSource reconnects by itself with Last-Event-ID, so nothing is missed.`,
          headers: z.object({ 'last-event-id': z.string().max(40).optional() }),
          querystring: z.object({ last_event_id: z.string().max(40).optional() }),
          response: { 200: z.string().describe('text/event-stream') },
        },
      },
      async (request, reply) => {
        const userId = requireUser(request).id;
        const resume = request.headers['last-event-id'] ?? request.query.last_event_id;
        let last = resume !== undefined && isId(resume) ? resume : await service.latestId(userId);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        let ended = false;
        let busy = false;
        const send = (event: string, data: unknown, id?: string) =>
          res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        const push = async () => {
          if (ended || busy) return;
          busy = true;
          try {
            const rows = await service.after(userId, last, STREAM_BATCH);
            for (const r of rows) send('notification', toNotificationView(r), r.id);
            if (rows.length > 0) {
              last = rows.at(-1)!.id;
              send('unread', { unread_count: await service.unreadCount(userId) });
            }
          } catch (err) {
            deps.telemetry.component('notifications').failed(err, 'a notification stream poll failed; it retries');
          } finally {
            busy = false;
          }
        };
        const timer = setInterval(() => void push(), pollMs);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const end = () => {
          if (ended) return;
          ended = true;
          clearInterval(timer);
          clearInterval(heartbeat);
          clearTimeout(limit);
          open.delete(end);
          res.end();
        };
        const limit = setTimeout(end, maxMs);
        open.add(end);
        res.on('close', end);
        res.write(`retry: ${Math.max(1000, pollMs)}\n\n`);
        send('unread', { unread_count: await service.unreadCount(userId) });
        await push();
      },
    );
  };
}
