import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import type { Privacy } from '../../domain/access.ts';
import type { CommentSetting } from '../../domain/comment-setting.ts';
import { accountPrivacyRepo } from '../../domain/repos/follow-requests.repo.ts';

export type { Privacy };

export type VideoStatus = 'uploading' | 'processing' | 'ready' | 'failed';

/** One HLS variant of a ready video, as stored in `videos.renditions` (JSON array). */
export interface Rendition {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  average_bandwidth: number;
  codecs: string;
  playlist_key: string;
}

/** A `videos` row with its JSON columns parsed. */
export interface VideoRow {
  id: string;
  authorId: string;
  caption: string;
  hashtags: string[];
  musicId: string | null;
  privacy: Privacy;
  status: VideoStatus;
  failureCode: string | null;
  failureDetail: string | null;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  sourceKey: string | null;
  renditions: Rendition[];
  posterKey: string | null;
  version: number;
  createdAt: number;
  processedAt: number | null;
  deletedAt: number | null;
  /** The moderation label (domain/access.ts): `removed` hides the video from everyone. */
  moderation: string;
  /** Who may comment (domain/comment-setting.ts). */
  commentSetting: CommentSetting;
  /** Whether the author's account is private (domain/access.ts), as copied onto the row. */
  authorPrivate: boolean;
}

const COLUMNS =
  'id, author_id, caption, hashtags, music_id, privacy, status, failure_code, failure_detail, duration_ms, width, ' +
  'height, source_key, renditions, poster_key, version, created_at, processed_at, deleted_at, moderation, comment_setting, author_private';

// The repository writes these columns with JSON.stringify; only a hand edit breaks one, read as empty.
function parseJsonArray<T>(text: unknown): T[] {
  try {
    const v = JSON.parse(String(text ?? '[]'));
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function toRow(r: Record<string, unknown>): VideoRow {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    authorId: String(r.author_id),
    caption: String(r.caption ?? ''),
    hashtags: parseJsonArray<string>(r.hashtags),
    musicId: (r.music_id as string | null) ?? null,
    privacy: r.privacy as Privacy,
    status: r.status as VideoStatus,
    failureCode: (r.failure_code as string | null) ?? null,
    failureDetail: (r.failure_detail as string | null) ?? null,
    durationMs: n(r.duration_ms),
    width: n(r.width),
    height: n(r.height),
    sourceKey: (r.source_key as string | null) ?? null,
    renditions: parseJsonArray<Rendition>(r.renditions),
    posterKey: (r.poster_key as string | null) ?? null,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    processedAt: n(r.processed_at),
    deletedAt: n(r.deleted_at),
    moderation: String(r.moderation ?? 'none'),
    commentSetting: (r.comment_setting as CommentSetting | undefined) ?? 'everyone',
    authorPrivate: Number(r.author_private ?? 0) === 1,
  };
}

/** What a new upload starts with. */
export interface NewVideo {
  id: string;
  authorId: string;
  caption: string;
  hashtags: string[];
  musicId: string | null;
  privacy: Privacy;
  sourceKey: string;
  createdAt: number;
  commentSetting?: CommentSetting | undefined;
}

/** The SQL of the media area: the `videos`, `video_hashtags` and `transcode_progress` tables. */
export function videosRepo(db: MetadataStore) {
  return {
    /** The row, including soft-deleted ones (callers decide what deleted means to them). */
    async get(id: string, tx: SqlExecutor = db): Promise<VideoRow | undefined> {
      const r = await tx.get(`SELECT ${COLUMNS} FROM videos WHERE id = $1`, [id]);
      return r ? toRow(r) : undefined;
    },

    async create(v: NewVideo): Promise<void> {
      await db.transaction(async (tx) => {
        // The account's privacy is copied under the user row's lock, so a concurrent switch never misses it.
        const authorPrivate = await accountPrivacyRepo(tx).lockAndRead(v.authorId);
        await tx.run(
          `INSERT INTO videos (id, author_id, caption, hashtags, music_id, privacy, status, source_key, version, created_at, comment_setting, author_private)
           VALUES ($1, $2, $3, $4, $5, $6, 'uploading', $7, 1, $8, $9, $10)`,
          [
            v.id,
            v.authorId,
            v.caption,
            JSON.stringify(v.hashtags),
            v.musicId,
            v.privacy,
            v.sourceKey,
            v.createdAt,
            v.commentSetting ?? 'everyone',
            authorPrivate ? 1 : 0,
          ],
        );
        for (const tag of v.hashtags) {
          await tx.run('INSERT INTO video_hashtags (video_id, tag) VALUES ($1, $2)', [v.id, tag]);
        }
      });
    },

    /** uploading → processing; false when the row was not waiting for an upload. */
    async markProcessing(id: string): Promise<boolean> {
      const r = await db.run(
        `UPDATE videos SET status = 'processing', failure_code = NULL, failure_detail = NULL
         WHERE id = $1 AND status = 'uploading' AND deleted_at IS NULL`,
        [id],
      );
      return r.changes === 1;
    },

    /** Fails the given version, unless it is already ready (a late failure must not undo a success). */
    /**
     * Fails a version. A ready video keeps playing (a failed upper-rung pass leaves it at its lowest rung)
     * unless `evenIfReady`: a video published early whose lowest rung then failed is taken down.
     */
    async markFailed(
      id: string,
      version: number,
      code: string,
      detail: string,
      now: number,
      evenIfReady = false,
    ): Promise<void> {
      await db.run(
        `UPDATE videos SET status = 'failed', failure_code = $3, failure_detail = $4, processed_at = $5
         WHERE id = $1 AND version = $2 AND (status <> 'ready' OR $6 = 1)`,
        [id, version, code, detail.slice(0, 1000), now, evenIfReady ? 1 : 0],
      );
    },

    async markReady(
      id: string,
      version: number,
      r: { durationMs: number; width: number; height: number; renditions: Rendition[]; posterKey: string; now: number },
    ): Promise<boolean> {
      const res = await db.run(
        `UPDATE videos SET status = 'ready', failure_code = NULL, failure_detail = NULL, duration_ms = $3, width = $4,
           height = $5, renditions = $6, poster_key = $7, processed_at = $8
         WHERE id = $1 AND version = $2 AND status = 'processing' AND deleted_at IS NULL`,
        [id, version, r.durationMs, r.width, r.height, JSON.stringify(r.renditions), r.posterKey, r.now],
      );
      return res.changes === 1;
    },

    /** Records that the source file is deleted (a rejected upload), so no sweep looks for it again. */
    async forgetSource(id: string): Promise<void> {
      await db.run('UPDATE videos SET source_key = NULL WHERE id = $1', [id]);
    },

    /** Failed uploads (not our own TRANSCODE_FAILED) whose source is still stored and failed before `before`. */
    async rejectedWithSource(before: number, limit: number): Promise<{ id: string; sourceKey: string }[]> {
      const rows = await db.all<{ id: string; source_key: string }>(
        `SELECT id, source_key FROM videos WHERE status = 'failed' AND failure_code <> 'TRANSCODE_FAILED'
           AND source_key IS NOT NULL AND processed_at < $1 ORDER BY processed_at LIMIT $2`,
        [before, limit],
      );
      return rows.map((r) => ({ id: r.id, sourceKey: r.source_key }));
    },

    /** The full ladder of a video published early at its lowest rung; false when it is gone or not ready. */
    async updateRenditions(id: string, version: number, renditions: Rendition[]): Promise<boolean> {
      const res = await db.run(
        `UPDATE videos SET renditions = $3 WHERE id = $1 AND version = $2 AND status = 'ready' AND deleted_at IS NULL`,
        [id, version, JSON.stringify(renditions)],
      );
      return res.changes === 1;
    },

    /** An author's edit of caption, hashtags and privacy (each optional); false when the video is gone. */
    async update(
      id: string,
      edit: { caption?: string; hashtags?: string[]; privacy?: Privacy; commentSetting?: CommentSetting | undefined },
      now: number,
    ): Promise<boolean> {
      return db.transaction(async (tx) => {
        const r = await tx.run(
          `UPDATE videos SET caption = COALESCE($2, caption), hashtags = COALESCE($3, hashtags),
             privacy = COALESCE($4, privacy), comment_setting = COALESCE($6, comment_setting), updated_at = $5
           WHERE id = $1 AND deleted_at IS NULL`,
          [
            id,
            edit.caption ?? null,
            edit.hashtags ? JSON.stringify(edit.hashtags) : null,
            edit.privacy ?? null,
            now,
            edit.commentSetting ?? null,
          ],
        );
        if (r.changes !== 1) return false;
        if (edit.hashtags) {
          await tx.run('DELETE FROM video_hashtags WHERE video_id = $1', [id]);
          for (const tag of edit.hashtags) {
            await tx.run('INSERT INTO video_hashtags (video_id, tag) VALUES ($1, $2)', [id, tag]);
          }
        }
        return true;
      });
    },

    async softDelete(id: string, now: number): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run('UPDATE videos SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL', [id, now]);
        await tx.run('DELETE FROM video_hashtags WHERE video_id = $1', [id]);
      });
    },

    /** Rungs (and the `thumbs` step) finished for a video, with the key each one wrote. */
    async progress(id: string): Promise<Map<string, string>> {
      const rows = await db.all<{ rung: string; output_key: string | null }>(
        `SELECT rung, output_key FROM transcode_progress WHERE video_id = $1 AND status = 'done'`,
        [id],
      );
      return new Map(rows.map((r) => [r.rung, r.output_key ?? '']));
    },

    async recordDone(id: string, rung: string, outputKey: string, now: number): Promise<void> {
      await db.run(
        `INSERT INTO transcode_progress (video_id, rung, status, output_key, updated_at) VALUES ($1, $2, 'done', $3, $4)
         ON CONFLICT (video_id, rung) DO UPDATE SET status = excluded.status, output_key = excluded.output_key,
           updated_at = excluded.updated_at`,
        [id, rung, outputKey, now],
      );
    },
  };
}

/** The repository type, for signatures. */
export type VideosRepo = ReturnType<typeof videosRepo>;
