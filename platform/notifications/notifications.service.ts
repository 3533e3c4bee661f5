import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors/registry.ts';
import { isId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { type NotificationRow, notificationsRepo } from '../../domain/repos/notifications.repo.ts';

/** A notification as the API shows it. */
export interface NotificationView {
  id: string;
  type: NotificationRow['type'];
  actor: { id: string; handle: string } | null;
  video_id: string | null;
  comment_id: string | null;
  case_id: string | null;
  /** Moderation outcomes: `action`, `reason`, `target_type`, `appealable`. */
  data: Record<string, unknown>;
  created_at: number;
  read: boolean;
}

export function toNotificationView(r: NotificationRow): NotificationView {
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(r.data) as Record<string, unknown>;
  } catch {
    // Written by notify() with JSON.stringify; only a hand edit breaks it.
  }
  return {
    id: r.id,
    type: r.type,
    actor: r.actor_id ? { id: r.actor_id, handle: r.actor_handle ?? '' } : null,
    video_id: r.video_id,
    comment_id: r.comment_id,
    case_id: r.case_id,
    data,
    created_at: r.created_at,
    read: r.read_at !== null,
  };
}

/** Reading and marking a user's notifications. Pages go newest first; the cursor is the last id seen. */
export function notificationsService(deps: { metadata: SqlExecutor; clock: Clock }) {
  const repo = notificationsRepo(deps.metadata);
  return {
    async list(userId: string, limit: number, cursor?: string) {
      if (cursor !== undefined && !isId(cursor)) throw new AppError('INVALID_CURSOR');
      const rows = await repo.page(userId, limit, cursor);
      return {
        items: rows.map(toNotificationView),
        unread_count: await repo.unreadCount(userId),
        next_cursor: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
    unreadCount: (userId: string) => repo.unreadCount(userId),
    /** Marks the given notifications read, or all of them; ids of others' notifications are ignored. */
    async markRead(userId: string, ids?: readonly string[]) {
      const marked = await repo.markRead(userId, deps.clock.now(), ids);
      return { marked, unread_count: await repo.unreadCount(userId) };
    },
    after: (userId: string, afterId: string, limit: number) => repo.after(userId, afterId, limit),
    latestId: (userId: string) => repo.latestId(userId),
  };
}

/** The notifications service's type. */
export type NotificationsService = ReturnType<typeof notificationsService>;
