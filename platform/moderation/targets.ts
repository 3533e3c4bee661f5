import { AppError } from '../../core/errors/registry.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import type { ReportTarget } from '../../domain/moderation/policy.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import { requireActiveUser, visibleVideo } from '../engagement/lookups.ts';

/** A reported target as a report needs it: whose it is and how far it reaches. */
export interface ResolvedTarget {
  ownerId: string;
  /** Views of the video (a comment's video), or followers of a user. */
  reach: number;
}

const views = async (db: SqlExecutor, videoId: string) =>
  Number(
    (await db.get<{ views: number }>('SELECT views FROM video_counters WHERE video_id = $1', [videoId]))?.views ?? 0,
  );

/**
 * The target of a report as the reporter may see it: a video they can see (`canView`, else 404
 * VIDEO_NOT_FOUND), a comment on one whose author is not blocked either way (else 404
 * COMMENT_NOT_FOUND), or an existing user (blocked ones too: blocking and reporting go together).
 */
export async function resolveTarget(
  db: SqlExecutor,
  reporterId: string,
  type: ReportTarget,
  id: string,
): Promise<ResolvedTarget> {
  if (type === 'video') {
    const video = await visibleVideo(db, id, reporterId);
    return { ownerId: video.authorId, reach: await views(db, id) };
  }
  if (type === 'comment') {
    const c = await db.get<{ user_id: string; video_id: string }>(
      'SELECT user_id, video_id FROM comments WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    if (!c) throw new AppError('COMMENT_NOT_FOUND');
    try {
      await visibleVideo(db, c.video_id, reporterId);
    } catch {
      throw new AppError('COMMENT_NOT_FOUND');
    }
    if (c.user_id !== reporterId && (await blocksRepo(db).eitherWay(reporterId, c.user_id))) {
      throw new AppError('COMMENT_NOT_FOUND');
    }
    return { ownerId: c.user_id, reach: await views(db, c.video_id) };
  }
  await requireActiveUser(db, id);
  return { ownerId: id, reach: (await followsRepo(db).counts(id)).followers };
}

/** What a moderator sees of a target: its text (caption, comment, handle) and the video's label. */
export interface TargetSummary {
  owner_handle: string;
  text: string;
  video_id: string | null;
  label: string | null;
  banned: boolean;
}

/** The summary of a case's target, read whatever its state (removed, deleted, banned). */
export async function summarizeTarget(
  db: SqlExecutor,
  type: ReportTarget,
  id: string,
  ownerId: string,
): Promise<TargetSummary> {
  const owner = await db.get<{ handle: string; banned_at: number | null }>(
    'SELECT handle, banned_at FROM users WHERE id = $1',
    [ownerId],
  );
  const base = { owner_handle: owner?.handle ?? '', banned: owner?.banned_at != null };
  if (type === 'video') {
    const v = await db.get<{ caption: string; moderation: string }>(
      'SELECT caption, moderation FROM videos WHERE id = $1',
      [id],
    );
    return { ...base, text: v?.caption ?? '', video_id: id, label: v?.moderation ?? null };
  }
  if (type === 'comment') {
    const c = await db.get<{ content: string; video_id: string }>(
      'SELECT content, video_id FROM comments WHERE id = $1',
      [id],
    );
    return { ...base, text: c?.content ?? '', video_id: c?.video_id ?? null, label: null };
  }
  return { ...base, text: base.owner_handle, video_id: null, label: null };
}
