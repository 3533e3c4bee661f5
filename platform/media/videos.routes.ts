import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import { cleanMultiline } from '../../core/text/safe-text.ts';
import { COMMENT_SETTINGS } from '../../domain/comment-setting.ts';
import { normaliseTag, TAG_PATTERN, TAG_RULE } from '../../domain/tags.ts';
import { optionalUser, requireUser } from '../api/auth/current-user.ts';
import type { AppDeps } from '../api/deps.ts';
import { videosService } from './videos.service.ts';

const UPLOAD_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska'] as const;

const commentSetting = z
  .enum(COMMENT_SETTINGS)
  .describe(
    "Who may comment: everyone who can see the video, the author's followers, or nobody (off); the author always may. Default everyone.",
  );
const hashtag = z.string().transform(normaliseTag).pipe(z.string().regex(TAG_PATTERN, TAG_RULE));
/** The metadata a new video is created with, shared by the signed-URL and the direct upload. */
const videoMeta = z.object({
  caption: z
    .string()
    .max(2200)
    .default('')
    .transform(cleanMultiline)
    .describe('Caption; each "#tag" in it is also stored as a hashtag (after the given ones, 30 in all).'),
  hashtags: z
    .array(hashtag)
    .max(30)
    .default([])
    .transform((tags) => [...new Set(tags)]),
  music_id: z.string().min(1).max(64).nullish(),
  privacy: z.enum(['public', 'private', 'friends']).default('public'),
  comment_setting: commentSetting.default('everyone'),
});
/** An author's edit: any of caption, hashtags and privacy; at least one. */
const editBody = z
  .object({
    caption: z.string().max(2200).transform(cleanMultiline).optional(),
    hashtags: z
      .array(hashtag)
      .max(30)
      .transform((tags) => [...new Set(tags)])
      .optional(),
    privacy: z.enum(['public', 'private', 'friends']).optional(),
    comment_setting: commentSetting.optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'Send at least one of caption, hashtags, privacy, comment_setting.',
  });
/**
 * The multipart form of `POST /videos/direct`, for the OpenAPI document only (the route parses the parts
 * itself): text fields first, then the file; `hashtags` is one string, split on commas and spaces.
 */
export const directUploadForm = z.object({
  caption: z
    .string()
    .max(2200)
    .optional()
    .describe('Caption, up to 2200 characters; default empty. Each "#tag" in it is also stored as a hashtag.'),
  hashtags: z
    .string()
    .optional()
    .describe(
      'Hashtags as one field, separated by commas and/or spaces, e.g. "cats, funny #pets"; a leading # is dropped, tags are lower-cased and de-duplicated; at most 30, each 1-50 letters, digits or _.',
    ),
  music_id: z.string().min(1).max(64).optional().describe('Optional id of the sound used.'),
  privacy: z.enum(['public', 'private', 'friends']).optional().describe('Who may see the video; default public.'),
  comment_setting: commentSetting.optional(),
  file: z
    .string()
    .meta({ format: 'binary' })
    .describe(
      'The video (mp4, mov, webm or mkv), last part of the form, at most MAX_UPLOAD_BYTES; larger files use POST /videos.',
    ),
});
const createBody = videoMeta.extend({ content_type: z.enum(UPLOAD_TYPES).default('video/mp4') });
const idParams = z.object({ id: z.string().min(1).max(64) });
const accepted = z.object({ video_id: z.string(), status: z.literal('processing') });

const rendition = z.object({
  name: z.string(),
  width: z.number(),
  height: z.number(),
  bandwidth: z.number(),
  average_bandwidth: z.number(),
  codecs: z.string(),
});
const videoView = z.object({
  id: z.string(),
  author_id: z.string(),
  caption: z.string(),
  hashtags: z.array(z.string()),
  music_id: z.string().nullable(),
  privacy: z.enum(['public', 'private', 'friends']),
  comment_setting: commentSetting,
  status: z.enum(['uploading', 'processing', 'ready', 'failed']),
  failure_code: z.string().nullable(),
  failure_reason: z
    .string()
    .nullable()
    .describe('Why processing failed, in words fit for the uploader (see failure_code); null unless failed.'),
  duration_ms: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  created_at: z.number(),
  processed_at: z.number().nullable(),
  playback: z
    .object({
      master_url: z.string(),
      poster_url: z.string(),
      preview_urls: z.array(z.string()),
      sprite: z.object({
        url: z.string(),
        cols: z.number(),
        rows: z.number(),
        tile_width: z.number(),
        tile_height: z.number(),
        interval_s: z.number(),
      }),
      renditions: z.array(rendition),
      /** Set for private and friends-only videos: every media URL already carries it. */
      token_expires_at: z.number().nullable(),
    })
    .nullable()
    .describe('Absolute URLs under PUBLIC_BASE_URL/media/, the same as the feed gives; null until the video is ready.'),
});

// The parser's own messages; a store failure (which also destroys the file stream) must stay a 5xx.
const BUSBOY_FAILURE = /^(Unexpected end of (multipart data|form)|Multipart: |Part terminated early|Malformed)/;

/**
 * A parse failure of a multipart body (no boundary, cut short, parts that never open) as a 400; limit
 * errors keep their own 4xx and AppErrors pass through.
 */
function asMultipartError(err: unknown): never {
  if (err instanceof AppError) throw err;
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 406) throw err;
  throw new AppError('INVALID_MULTIPART', undefined, { reason: err instanceof Error ? err.message : String(err) });
}

/**
 * The upload API under `/api/v1`: create a video and get a signed upload URL, complete it (enqueues
 * the transcode), upload small files directly, read a video with its playback URLs, delete it.
 * Private and friends-only videos are invisible (404) to everyone the privacy rule excludes.
 */
export function videosRoutes(deps: AppDeps): FastifyPluginAsync {
  const videos = videosService(deps);
  const maxBytes = videos.maxBytes;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    await app.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 16 * 1024, parts: 12 },
    });

    app.post(
      '/videos',
      {
        schema: {
          tags: ['videos'],
          summary: 'Create a video and get a signed URL to upload its file to',
          body: createBody,
          response: {
            201: z.object({
              video_id: z.string(),
              upload_url: z.string(),
              upload_method: z.literal('PUT'),
              upload_headers: z.record(z.string(), z.string()),
              expires_at: z.number(),
              status: z.literal('uploading'),
              max_bytes: z.number(),
            }),
          },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const { video, signed } = await videos.createUpload(user.id, request.body, request.body.content_type);
        return reply.status(201).send({
          video_id: video.id,
          upload_url: signed.url,
          upload_method: 'PUT' as const,
          upload_headers: signed.headers,
          expires_at: signed.expiresAt,
          status: 'uploading' as const,
          max_bytes: maxBytes,
        });
      },
    );

    app.post(
      '/videos/:id/complete',
      {
        schema: {
          tags: ['videos'],
          summary: 'Declare the upload finished and start processing',
          params: idParams,
          response: { 202: accepted },
        },
      },
      async (request, reply) => {
        const video = await videos.complete(requireUser(request).id, request.params.id);
        return reply.status(202).send({ video_id: video.id, status: 'processing' as const });
      },
    );

    app.post(
      '/videos/direct',
      {
        schema: {
          tags: ['videos'],
          summary: 'Upload a small video in one multipart request (metadata fields first, then `file`)',
          consumes: ['multipart/form-data'],
          multipartBody: directUploadForm,
          response: { 202: accepted },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data.');
        const file = await request.file().catch(asMultipartError);
        if (file?.fieldname !== 'file') {
          throw new AppError('VALIDATION_FAILED', 'Send the metadata fields first, then the video as field "file".');
        }
        const fields: Record<string, unknown> = {};
        for (const [name, part] of Object.entries(file.fields)) {
          const value = Array.isArray(part) ? part[0] : part;
          if (value?.type === 'field') fields[name] = value.value;
        }
        if (typeof fields.hashtags === 'string') {
          fields.hashtags = fields.hashtags.split(/[\s,]+/).filter((t) => t !== '');
        }
        const meta = videoMeta.safeParse(fields);
        if (!meta.success) {
          file.file.resume();
          throw new AppError('VALIDATION_FAILED', 'Invalid video fields.', meta.error.issues);
        }
        // A body cut short fails the file stream, not the store: that is the client's fault, not ours.
        const video = await videos
          .storeDirect(user.id, meta.data, {
            stream: file.file,
            contentType: file.mimetype,
            truncated: () => file.file.truncated,
          })
          .catch((err: unknown) => {
            if (file.file.errored && BUSBOY_FAILURE.test(String((err as Error)?.message))) asMultipartError(err);
            throw err;
          });
        return reply.status(202).send({ video_id: video.id, status: 'processing' as const });
      },
    );

    app.get(
      '/videos/:id',
      {
        schema: {
          tags: ['videos'],
          summary: 'A video with its status and playback URLs',
          params: idParams,
          response: { 200: videoView },
        },
      },
      async (request) => videos.get(request.params.id, optionalUser(request)?.id),
    );

    app.get(
      '/videos/:id/status',
      {
        schema: {
          tags: ['videos'],
          summary: "Your video's processing status, to wait until it is ready (author only)",
          description:
            'Poll after an upload until `status` is `ready` or `failed`: while `uploading` or `processing`, `poll_after_ms` says when to ask again. `failure_code` says why a video failed as a stable code (e.g. TRUNCATED_FILE), `failure_reason` in words to show the uploader. Anonymous callers get 401; anyone but the author 403, or 404 for a video they cannot see.',
          params: idParams,
          response: {
            200: z.object({
              video_id: z.string(),
              status: z.enum(['uploading', 'processing', 'ready', 'failed']),
              failure_code: z
                .string()
                .nullable()
                .describe('Why processing failed (a stable code); null unless failed.'),
              failure_reason: z
                .string()
                .nullable()
                .describe(
                  'The same in words fit for the uploader, with what was wrong with the file; null unless failed.',
                ),
              processed_at: z.number().nullable().describe('Epoch ms it became ready or failed.'),
              poll_after_ms: z
                .number()
                .nullable()
                .describe('While uploading or processing, ms to wait before the next poll.'),
            }),
          },
        },
      },
      async (request) => videos.status(requireUser(request).id, request.params.id),
    );

    app.patch(
      '/videos/:id',
      {
        schema: {
          tags: ['videos'],
          summary: 'Edit your video: caption, hashtags, privacy or comment setting',
          description:
            'Takes effect at once for the API, the feed and the media origin; a CDN may keep serving public media it already holds for up to MEDIA_EDGE_TTL_S.',
          params: idParams,
          body: editBody,
          response: { 200: videoView },
        },
      },
      async (request) => {
        const { comment_setting, ...rest } = request.body;
        return videos.edit(requireUser(request).id, request.params.id, { ...rest, commentSetting: comment_setting });
      },
    );

    app.delete(
      '/videos/:id',
      { schema: { tags: ['videos'], summary: 'Delete your video and its media', params: idParams } },
      async (request, reply) => {
        await videos.remove(requireUser(request).id, request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
