import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors/registry.ts';
import { isId, newId } from '../../core/ids.ts';
import { canView, type Privacy } from '../../domain/access.ts';
import type { CommentSetting } from '../../domain/comment-setting.ts';
import { relationTo } from '../../domain/repos/relation.ts';
import { editedTags, videoTags } from '../../domain/tags.ts';
import type { AppDeps } from '../api/deps.ts';
import { failureReason } from './failure-reasons.ts';
import { mediaKeys } from './media-keys.ts';
import { playbackLinks } from './playback-urls.ts';
import { planThumbnails, THUMBNAIL_FILES } from './thumbnails.ts';
import { enqueueTranscode } from './transcode.jobs.ts';
import { type Rendition, type VideoRow, videosRepo } from './videos.repo.ts';

/** How long a signed upload URL stays valid. */
export const UPLOAD_URL_TTL_S = 3600;

/** What a new video is created with. */
export interface VideoMeta {
  caption: string;
  hashtags: string[];
  music_id?: string | null | undefined;
  privacy: Privacy;
  comment_setting?: CommentSetting | undefined;
}

/** How long an uploader waiting for a video to be ready should wait between two status polls. */
export const STATUS_POLL_MS = 2000;

/** GET /videos/:id/status: the author's view of where a video is in its processing. */
export interface VideoStatusView {
  video_id: string;
  status: VideoView['status'];
  failure_code: string | null;
  /** Why it failed, in words fit for the uploader (no server paths or tool internals); null unless failed. */
  failure_reason: string | null;
  processed_at: number | null;
  /** While uploading or processing, when to ask again; null once ready or failed. */
  poll_after_ms: number | null;
}

/** A video as the API shows it, with playback URLs once it is ready. */
export interface VideoView {
  id: string;
  author_id: string;
  caption: string;
  hashtags: string[];
  music_id: string | null;
  privacy: Privacy;
  comment_setting: CommentSetting;
  status: VideoRow['status'];
  failure_code: string | null;
  /** Why it failed, in words fit for the uploader; null unless failed. */
  failure_reason: string | null;
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  created_at: number;
  processed_at: number | null;
  playback: {
    master_url: string;
    poster_url: string;
    preview_urls: string[];
    sprite: { url: string; cols: number; rows: number; tile_width: number; tile_height: number; interval_s: number };
    renditions: Omit<Rendition, 'playlist_key'>[];
    token_expires_at: number | null;
  } | null;
}

/**
 * The media area's domain operations, apart from HTTP: create an upload, complete it, store a direct
 * upload, read, edit and delete a video. Every read goes through `canView`; a video the caller may not
 * see is VIDEO_NOT_FOUND, the same answer as a video that does not exist.
 */
export function videosService(deps: AppDeps) {
  const repo = videosRepo(deps.metadata);
  const maxBytes = deps.config.MAX_UPLOAD_BYTES;
  const tooLarge = () =>
    new AppError('PAYLOAD_TOO_LARGE', `The upload exceeds ${maxBytes} bytes.`, { max_bytes: maxBytes });

  /** The video when `viewerId` may see it, else VIDEO_NOT_FOUND. */
  async function visible(id: string, viewerId: string | undefined): Promise<VideoRow> {
    const row = isId(id) ? await repo.get(id) : undefined;
    if (!row) throw new AppError('VIDEO_NOT_FOUND');
    const video = {
      authorId: row.authorId,
      privacy: row.privacy,
      status: row.status,
      deleted: row.deletedAt !== null,
      moderation: row.moderation,
      authorPrivate: row.authorPrivate,
    };
    if (!canView(viewerId, video, await relationTo(deps.metadata, viewerId, video))) {
      throw new AppError('VIDEO_NOT_FOUND');
    }
    return row;
  }

  /** The caller's own video; FORBIDDEN for a video they may see but did not make. */
  async function owned(id: string, userId: string): Promise<VideoRow> {
    const video = await visible(id, userId);
    if (video.authorId !== userId) throw new AppError('FORBIDDEN', 'Only the author may change this video.');
    return video;
  }

  async function create(userId: string, meta: VideoMeta): Promise<VideoRow> {
    const id = newId(deps.clock.now());
    await repo.create({
      id,
      authorId: userId,
      caption: meta.caption,
      hashtags: videoTags(meta.hashtags, meta.caption),
      musicId: meta.music_id ?? null,
      privacy: meta.privacy,
      commentSetting: meta.comment_setting,
      sourceKey: mediaKeys.source(id),
      createdAt: deps.clock.now(),
    });
    return (await repo.get(id))!;
  }

  function view(video: VideoRow, viewerId: string | undefined): VideoView {
    let playback: VideoView['playback'] = null;
    if (video.status === 'ready' && video.durationMs !== null && video.width !== null && video.height !== null) {
      const links = playbackLinks(video, {
        secret: deps.secret,
        nowMs: deps.clock.now(),
        ttlS: deps.config.PLAYBACK_TOKEN_TTL_S,
        publicBaseUrl: deps.config.PUBLIC_BASE_URL,
        viewerId,
      });
      const url = links.url;
      const t = planThumbnails(video.width, video.height, video.durationMs / 1000);
      playback = {
        master_url: url(mediaKeys.master(video.id, video.version)),
        poster_url: url(mediaKeys.thumb(video.id, video.version, THUMBNAIL_FILES.poster)),
        preview_urls: Array.from({ length: t.previewCount }, (_, i) =>
          url(mediaKeys.thumb(video.id, video.version, THUMBNAIL_FILES.preview(i + 1))),
        ),
        sprite: {
          url: url(mediaKeys.thumb(video.id, video.version, THUMBNAIL_FILES.sprite)),
          cols: t.sprite.cols,
          rows: t.sprite.rows,
          tile_width: t.sprite.tileWidth,
          tile_height: t.sprite.tileHeight,
          interval_s: t.sprite.intervalS,
        },
        renditions: video.renditions.map(({ playlist_key: _, ...r }) => r),
        token_expires_at: links.tokenExpiresAt,
      };
    }
    return {
      id: video.id,
      author_id: video.authorId,
      caption: video.caption,
      hashtags: video.hashtags,
      music_id: video.musicId,
      privacy: video.privacy,
      comment_setting: video.commentSetting,
      status: video.status,
      failure_code: video.failureCode,
      failure_reason: failureReason(video.failureCode, video.failureDetail),
      duration_ms: video.durationMs,
      width: video.width,
      height: video.height,
      created_at: video.createdAt,
      processed_at: video.processedAt,
      playback,
    };
  }

  return {
    maxBytes,

    /** Creates an uploading video and a signed URL its file is PUT to. */
    async createUpload(userId: string, meta: VideoMeta, contentType: string) {
      const video = await create(userId, meta);
      const signed = await deps.objects.signedUpload(video.sourceKey!, {
        expiresInS: UPLOAD_URL_TTL_S,
        contentType,
        maxBytes,
      });
      return { video, signed };
    },

    /** Declares the author's upload finished and enqueues its transcode; a retried call is a no-op. */
    async complete(userId: string, id: string): Promise<VideoRow> {
      const video = await owned(id, userId);
      // A retried complete (the first reply was lost) must not fail: re-enqueueing is a no-op.
      if (video.status === 'processing') {
        await enqueueTranscode(deps.queue, video);
        return video;
      }
      if (video.status !== 'uploading') throw new AppError('VIDEO_NOT_UPLOADABLE');
      const info = await deps.objects.head(video.sourceKey!);
      if (!info) throw new AppError('UPLOAD_MISSING');
      if (info.size > maxBytes) {
        await deps.objects.delete(video.sourceKey!);
        throw tooLarge();
      }
      if (!(await repo.markProcessing(video.id))) throw new AppError('VIDEO_NOT_UPLOADABLE');
      await enqueueTranscode(deps.queue, video);
      return video;
    },

    /**
     * Stores a file sent in one request and enqueues its transcode. `truncated` tells, after the stream
     * ended, whether it hit the size limit (the video is then deleted and the caller gets 413).
     */
    async storeDirect(
      userId: string,
      meta: VideoMeta,
      file: { stream: Readable; contentType: string; truncated: () => boolean },
    ): Promise<VideoRow> {
      const video = await create(userId, meta);
      try {
        await deps.objects.put(video.sourceKey!, file.stream, { contentType: file.contentType });
      } catch (err) {
        await repo.softDelete(video.id, deps.clock.now());
        await deps.objects.delete(video.sourceKey!).catch(() => {});
        throw err;
      }
      if (file.truncated()) {
        await deps.objects.delete(video.sourceKey!);
        await repo.softDelete(video.id, deps.clock.now());
        throw tooLarge();
      }
      await repo.markProcessing(video.id);
      await enqueueTranscode(deps.queue, video);
      return video;
    },

    /** The video as `viewerId` (undefined: anonymous) sees it. */
    async get(id: string, viewerId: string | undefined): Promise<VideoView> {
      return view(await visible(id, viewerId), viewerId);
    },

    /** Where the author's video is in its life: for an uploader waiting until it is ready. */
    async status(userId: string, id: string): Promise<VideoStatusView> {
      const video = await owned(id, userId);
      const waiting = video.status === 'uploading' || video.status === 'processing';
      return {
        video_id: video.id,
        status: video.status,
        failure_code: video.failureCode,
        failure_reason: failureReason(video.failureCode, video.failureDetail),
        processed_at: video.processedAt,
        poll_after_ms: waiting ? STATUS_POLL_MS : null,
      };
    },

    /** The author's edit of caption, hashtags or privacy. */
    async edit(
      userId: string,
      id: string,
      edit: { caption?: string; hashtags?: string[]; privacy?: Privacy; commentSetting?: CommentSetting | undefined },
    ): Promise<VideoView> {
      const video = await owned(id, userId);
      // Tags the caption names follow the caption: recomputed whenever the caption or the tags change.
      const tagged =
        edit.caption !== undefined || edit.hashtags !== undefined
          ? { ...edit, hashtags: editedTags(video, edit) }
          : edit;
      if (!(await repo.update(video.id, tagged, deps.clock.now()))) throw new AppError('VIDEO_NOT_FOUND');
      return view((await repo.get(video.id))!, userId);
    },

    /** Deletes the author's video; its media files are removed best effort. */
    async remove(userId: string, id: string): Promise<void> {
      const video = await owned(id, userId);
      await repo.softDelete(video.id, deps.clock.now());
      // The row is gone for readers already; removing files is best effort and may be retried by a sweeper.
      const keys = [...(await deps.objects.list(mediaKeys.videoRoot(video.id)))];
      if (video.sourceKey) keys.push(video.sourceKey);
      await Promise.allSettled(keys.map((k) => deps.objects.delete(k)));
    },
  };
}

/** The video service's type. */
export type VideosService = ReturnType<typeof videosService>;
