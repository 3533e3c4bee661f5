import { AppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import { inList } from '../../core/metadata/sql.ts';
import { commentRefusal } from '../../domain/comment-setting.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import { notify } from '../notifications/notify.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey } from './events.ts';
import { engageableVideo, visibleVideo } from './lookups.ts';
import { recordAndAppend } from './record.ts';

/** Longest comment, in characters after trimming. */
export const MAX_COMMENT_CHARS = 500;

/** A comment as the API shows it. */
export interface CommentView {
  id: string;
  video_id: string;
  parent_id: string | null;
  user: { id: string; handle: string };
  content: string;
  created_at: number;
  reply_count: number;
}

/** One page of comments; `next_cursor` is null on the last page. */
export interface CommentPage {
  items: CommentView[];
  next_cursor: string | null;
}

interface CommentRow {
  id: string;
  video_id: string;
  parent_id: string | null;
  user_id: string;
  handle: string;
  content: string;
  created_at: number;
  reply_count: number;
}

const toView = (r: CommentRow): CommentView => ({
  id: r.id,
  video_id: r.video_id,
  parent_id: r.parent_id,
  user: { id: r.user_id, handle: r.handle },
  content: r.content,
  created_at: Number(r.created_at),
  reply_count: Number(r.reply_count),
});

/** The `@handle`s a text mentions, lower-cased (handles are 3–30 letters, digits, `_` or `.`). */
export function mentionedHandles(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<![A-Za-z0-9_.])@([A-Za-z0-9_.]{3,30})/g)].map((m) => m[1]!.toLowerCase()));
}

/**
 * Comments with one level of replies: a reply to a reply is attached to the top-level comment, so
 * threads stay two levels deep. Top-level pages are newest first, reply pages oldest first (reading
 * order of a conversation). Deleted comments are soft-deleted and no longer listed.
 */
export function commentsService(deps: EngagementDeps) {
  /** 403 BLOCKED when the text mentions a user with whom the author has a block either way. */
  async function refuseBlockedMentions(text: string, blocked: ReadonlySet<string>): Promise<void> {
    const mentioned = mentionedHandles(text);
    if (mentioned.size === 0 || blocked.size === 0) return;
    const ids = [...blocked];
    const rows = await deps.metadata.all<{ handle: string }>(
      `SELECT handle FROM users WHERE id IN (${inList(ids.length)})`,
      ids,
    );
    if (rows.some((r) => mentioned.has(r.handle.toLowerCase()))) {
      throw new AppError('BLOCKED', 'You cannot mention this user.');
    }
  }

  return {
    /** Adds a comment (1–500 chars after trim) to a visible video, optionally replying to one of its comments. */
    async create(userId: string, videoId: string, content: string, parentId?: string): Promise<CommentView> {
      const text = content.trim();
      if (text.length < 1 || text.length > MAX_COMMENT_CHARS) {
        throw new AppError('VALIDATION_FAILED', `A comment must be 1 to ${MAX_COMMENT_CHARS} characters.`);
      }
      const video = await engageableVideo(deps.metadata, videoId, userId);
      const setting = await deps.metadata.get<{ comment_setting: string }>(
        'SELECT comment_setting FROM videos WHERE id = $1',
        [videoId],
      );
      const commentSetting = setting?.comment_setting ?? 'everyone';
      const follows =
        commentSetting === 'followers' && (await followsRepo(deps.metadata).isFollowing(userId, video.authorId));
      const refusal = commentRefusal(userId, { authorId: video.authorId, commentSetting }, follows);
      if (refusal) throw new AppError(refusal);
      const blocked = await blocksRepo(deps.metadata).involving(userId);
      let parent: string | null = null;
      let parentAuthor: string | undefined;
      if (parentId !== undefined) {
        const p = await deps.metadata.get<{ id: string; parent_id: string | null; user_id: string }>(
          'SELECT id, parent_id, user_id FROM comments WHERE id = $1 AND video_id = $2 AND deleted_at IS NULL',
          [parentId, videoId],
        );
        if (!p) throw new AppError('COMMENT_NOT_FOUND', 'The parent comment does not exist on this video.');
        if (blocked.has(p.user_id)) throw new AppError('BLOCKED', 'You cannot reply to this user.');
        parent = p.parent_id ?? p.id;
        parentAuthor = p.user_id;
      }
      await refuseBlockedMentions(text, blocked);
      const now = deps.clock.now();
      const id = newId(now);
      const staged = await recordAndAppend(deps, async (tx) => {
        await tx.run(
          'INSERT INTO comments (id, video_id, user_id, parent_id, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [id, videoId, userId, parent, text, now],
        );
        // The replied-to commenter hears of a reply, the video's author of every comment (once).
        if (parentAuthor !== undefined) {
          await notify(tx, { userId: parentAuthor, type: 'reply', actorId: userId, videoId, commentId: id, now });
        }
        if (parentAuthor !== video.authorId) {
          await notify(tx, { userId: video.authorId, type: 'comment', actorId: userId, videoId, commentId: id, now });
        }
        const event = {
          v: 1 as const,
          id,
          type: 'comment' as const,
          actor: actorKey({ userId }),
          userId,
          videoId,
          authorId: video.authorId,
          commentId: id,
          ts: now,
        };
        return { result: await deps.counters.stage(tx, new Map([[videoId, { comments: 1 }]])), events: [event] };
      });
      await deps.counters.applyStaged(staged);
      const handle = await deps.metadata.get<{ handle: string }>('SELECT handle FROM users WHERE id = $1', [userId]);
      return toView({
        id,
        video_id: videoId,
        parent_id: parent,
        user_id: userId,
        handle: handle?.handle ?? '',
        content: text,
        created_at: now,
        reply_count: 0,
      });
    },

    /** A page of top-level comments (or of one comment's replies) of a visible video. */
    async list(
      videoId: string,
      viewerId: string | undefined,
      opts: { limit: number; cursor?: string; parentId?: string },
    ): Promise<CommentPage> {
      await visibleVideo(deps.metadata, videoId, viewerId);
      // Neither side of a block sees the other's comments (nor counts their replies).
      const hidden = viewerId === undefined ? [] : [...(await blocksRepo(deps.metadata).involving(viewerId))];
      const limit = Math.max(1, Math.min(100, Math.floor(opts.limit)));
      const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
      const replies = opts.parentId !== undefined;
      const [cmp, dir] = replies ? ['>', 'ASC'] : ['<', 'DESC'];
      const params: (string | number)[] = [videoId];
      // Comments of banned accounts are hidden from everyone while the ban lasts (a reversal shows them again).
      let where = 'c.video_id = $1 AND c.deleted_at IS NULL AND u.banned_at IS NULL';
      let hiddenReplies = ' AND r.user_id NOT IN (SELECT id FROM users WHERE banned_at IS NOT NULL)';
      if (hidden.length > 0) {
        const marks = inList(hidden.length, params.length + 1);
        params.push(...hidden);
        where += ` AND c.user_id NOT IN (${marks})`;
        hiddenReplies += ` AND r.user_id NOT IN (${marks})`;
      }
      if (replies) {
        params.push(opts.parentId!);
        where += ` AND c.parent_id = $${params.length}`;
      } else {
        where += ' AND c.parent_id IS NULL';
      }
      if (after) {
        params.push(after.t, after.id);
        const t = `$${params.length - 1}`;
        const i = `$${params.length}`;
        where += ` AND (c.created_at ${cmp} ${t} OR (c.created_at = ${t} AND c.id ${cmp} ${i}))`;
      }
      params.push(limit + 1);
      const rows = await deps.metadata.all<CommentRow>(
        `SELECT c.id, c.video_id, c.parent_id, c.user_id, COALESCE(u.handle, '') AS handle, c.content, c.created_at,
                (SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id AND r.deleted_at IS NULL${hiddenReplies}) AS reply_count
           FROM comments c LEFT JOIN users u ON u.id = c.user_id
          WHERE ${where}
          ORDER BY c.created_at ${dir}, c.id ${dir}
          LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next = rows.length > limit && last ? encodeCursor({ t: Number(last.created_at), id: last.id }) : null;
      return { items: page.map(toView), next_cursor: next };
    },

    /** Soft-deletes a comment; its author or the video's author may do so, anyone else gets 403. */
    async remove(userId: string, commentId: string): Promise<void> {
      const c = await deps.metadata.get<{ id: string; video_id: string; user_id: string; author_id: string | null }>(
        `SELECT c.id, c.video_id, c.user_id, v.author_id FROM comments c LEFT JOIN videos v ON v.id = c.video_id
          WHERE c.id = $1 AND c.deleted_at IS NULL`,
        [commentId],
      );
      if (!c) throw new AppError('COMMENT_NOT_FOUND');
      if (c.user_id !== userId && c.author_id !== userId) throw new AppError('FORBIDDEN');
      const now = deps.clock.now();
      const staged = await recordAndAppend(deps, async (tx) => {
        const r = await tx.run('UPDATE comments SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL', [
          now,
          commentId,
        ]);
        if (r.changes === 0) return { result: [], events: [] };
        const event = {
          v: 1 as const,
          id: newId(now),
          type: 'comment_delete' as const,
          actor: actorKey({ userId }),
          userId,
          videoId: c.video_id,
          commentId,
          ts: now,
        };
        return { result: await deps.counters.stage(tx, new Map([[c.video_id, { comments: -1 }]])), events: [event] };
      });
      await deps.counters.applyStaged(staged);
    },
  };
}

/** The comments service's type. */
export type CommentsService = ReturnType<typeof commentsService>;
