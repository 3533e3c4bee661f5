import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { valuesList } from '../../core/metadata/sql.ts';

/** What a notification is about. */
export const NOTIFICATION_TYPES = [
  'like',
  'comment',
  'reply',
  'follow',
  'follow_request',
  'follow_approved',
  'moderation',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** A stored notification with the actor's handle. */
export interface NotificationRow {
  id: string;
  type: NotificationType;
  actor_id: string | null;
  actor_handle: string | null;
  video_id: string | null;
  comment_id: string | null;
  case_id: string | null;
  data: string;
  created_at: number;
  read_at: number | null;
}

/** A notification to write. */
export interface NewNotification {
  id: string;
  userId: string;
  type: NotificationType;
  actorId?: string;
  videoId?: string;
  commentId?: string;
  caseId?: string;
  data?: Record<string, unknown>;
  now: number;
}

const SELECT = `SELECT n.id, n.type, n.actor_id, u.handle AS actor_handle, n.video_id, n.comment_id, n.case_id,
  n.data, n.created_at, n.read_at FROM notifications n LEFT JOIN users u ON u.id = n.actor_id`;

const toRow = (r: NotificationRow): NotificationRow => ({
  ...r,
  created_at: Number(r.created_at),
  read_at: r.read_at === null || r.read_at === undefined ? null : Number(r.read_at),
});

/**
 * A user's notifications: ids sort by creation time (`newId`), so pages go by id and a stream resumes
 * after the last id it sent. Reading never hides a notification; `read_at` only marks it.
 */
export function notificationsRepo(db: SqlExecutor) {
  /** Several notifications in one statement. */
  async function addMany(ns: readonly NewNotification[]): Promise<void> {
    if (ns.length === 0) return;
    await db.run(
      `INSERT INTO notifications (id, user_id, type, actor_id, video_id, comment_id, case_id, data, created_at)
       VALUES ${valuesList(ns.length, 9)}`,
      ns.flatMap((n) => [
        n.id,
        n.userId,
        n.type,
        n.actorId ?? null,
        n.videoId ?? null,
        n.commentId ?? null,
        n.caseId ?? null,
        JSON.stringify(n.data ?? {}),
        n.now,
      ]),
    );
  }
  return {
    addMany,
    async add(n: NewNotification): Promise<void> {
      await addMany([n]);
    },

    /** Newest first, before the id `before` when given. */
    async page(userId: string, limit: number, before?: string): Promise<NotificationRow[]> {
      const rows = await db.all<NotificationRow>(
        `${SELECT} WHERE n.user_id = $1${before ? ' AND n.id < $3' : ''} ORDER BY n.id DESC LIMIT $2`,
        before ? [userId, limit, before] : [userId, limit],
      );
      return rows.map(toRow);
    },

    /** Oldest first, after the id `after` ('' for all): what a stream has not sent yet. */
    async after(userId: string, after: string, limit: number): Promise<NotificationRow[]> {
      const rows = await db.all<NotificationRow>(
        `${SELECT} WHERE n.user_id = $1 AND n.id > $2 ORDER BY n.id ASC LIMIT $3`,
        [userId, after, limit],
      );
      return rows.map(toRow);
    },

    /** The newest id, '' when there is none. */
    async latestId(userId: string): Promise<string> {
      const r = await db.get<{ id: string }>(
        'SELECT id FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT 1',
        [userId],
      );
      return r?.id ?? '';
    },

    async unreadCount(userId: string): Promise<number> {
      const r = await db.get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
        [userId],
      );
      return Number(r?.n ?? 0);
    },

    /** Marks the given notifications of the user read, or all of them without ids; returns how many changed. */
    async markRead(userId: string, now: number, ids?: readonly string[]): Promise<number> {
      if (ids !== undefined && ids.length === 0) return 0;
      const r = ids
        ? await db.run(
            `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL
             AND id IN (${ids.map((_, i) => `$${i + 3}`).join(', ')})`,
            [userId, now, ...ids],
          )
        : await db.run('UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL', [userId, now]);
      return r.changes;
    },
  };
}

/** The repository's type. */
export type NotificationsRepo = ReturnType<typeof notificationsRepo>;
