import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors/registry.ts';
import { type ClientEvent, clientEventBatchSchema } from '../../engagement/client-events.service.ts';
import type { HlsClip } from './hls-fixtures.ts';

/** What the browser sent, for the test to assert on. */
export interface FixtureLog {
  likes: { method: string; videoId: string }[];
  eventBatches: { deviceId: string | undefined; bearer: boolean; events: ClientEvent[] }[];
  feedRequests: { feedType: string; deviceId: string | undefined }[];
  uploads: { videoId: string; step: 'create' | 'put' | 'complete' | 'poll'; bytes?: number; contentType?: string }[];
}

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
};

/**
 * The slice of the API the web client's browser test drives, answering in the API's shapes:
 * register/login, /me, a one-page feed over generated HLS clips, likes, the notification stream (ended at once), client events (validated with the
 * engagement area's own schema) and the signed-URL upload (create, PUT, complete, poll until ready on
 * the third poll). Every call is logged for assertions.
 * @remarks Test-only: sessions live in memory and likes are per process.
 */
export function fixtureApi(clips: readonly HlsClip[], videoIds: readonly string[]) {
  const log: FixtureLog = { likes: [], eventBatches: [], feedRequests: [], uploads: [] };
  const sessions = new Map<string, { id: string; handle: string; display_name: string }>();
  const liked = new Set<string>();
  const baseLikes = 41;

  const userOf = (request: FastifyRequest) => {
    const m = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    return m ? sessions.get(m[1]!) : undefined;
  };

  const plugin: FastifyPluginAsync = async (app) => {
    const grant = async (request: FastifyRequest) => {
      const body = request.body as { handle?: string; password?: string };
      if (!body?.handle || !/^[A-Za-z0-9_.]{3,30}$/.test(body.handle) || (body.password ?? '').length < 8) {
        throw new AppError('VALIDATION_FAILED');
      }
      const token = randomBytes(24).toString('hex');
      const user = { id: `u_${body.handle}`, handle: body.handle, display_name: body.handle, bio: '', created_at: 0 };
      sessions.set(token, user);
      return { user, token, expires_at: Date.now() + 3600_000 };
    };
    app.post('/api/v1/auth/register', async (request, reply) => reply.status(201).send(await grant(request)));
    app.post('/api/v1/auth/login', grant);

    app.get<{ Querystring: { feed_type?: string } }>('/api/v1/feed', async (request) => {
      const feedType = request.query.feed_type ?? 'for_you';
      log.feedRequests.push({ feedType, deviceId: request.headers['x-device-id'] as string | undefined });
      return {
        request_id: 'req-fixture-1',
        model_version: 'fixture-model',
        index_version: 'fixture-index',
        next_cursor: null,
        items: videoIds.map((id, i) => {
          const clip = clips[i % clips.length]!;
          return {
            id,
            playback: { master_url: `/media/${clip.name}/master.m3u8`, poster_url: null },
            author: { id: `author${i}`, handle: `creator_${i}`, display_name: `Creator ${i}` },
            caption: `Clip ${i} from the test pattern`,
            hashtags: ['test', `clip${i}`],
            duration_ms: 3000,
            stats: { views: 1200 + i, likes: baseLikes, comments: 3, shares: 2 },
            created_at: 0,
          };
        }),
      };
    });

    for (const method of ['POST', 'DELETE'] as const) {
      app.route<{ Params: { id: string } }>({
        method,
        url: '/api/v1/videos/:id/like',
        handler: async (request) => {
          if (!userOf(request)) throw new AppError('UNAUTHENTICATED');
          const videoId = request.params.id;
          if (!videoIds.includes(videoId)) throw new AppError('VIDEO_NOT_FOUND');
          log.likes.push({ method, videoId });
          if (method === 'POST') liked.add(videoId);
          else liked.delete(videoId);
          return { liked: liked.has(videoId), like_count: baseLikes + (liked.has(videoId) ? 1 : 0) };
        },
      });
    }

    app.post('/api/v1/events', async (request, reply) => {
      const deviceId = request.headers['x-device-id'] as string | undefined;
      const bearer = userOf(request) !== undefined;
      if (!bearer && !deviceId) throw new AppError('UNAUTHENTICATED');
      const parsed = clientEventBatchSchema.safeParse(request.body);
      if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'Invalid events.', parsed.error.issues);
      log.eventBatches.push({ deviceId, bearer, events: parsed.data.events });
      return reply.status(202).send({ accepted: parsed.data.events.length, duplicates: 0 });
    });

    const polls = new Map<string, number>();
    // Uploads created with the caption "broken" fail processing, as a truncated file would.
    const broken = new Set<string>();
    app.addContentTypeParser(/^video\//, { parseAs: 'buffer', bodyLimit: 50_000_000 }, (_req, body, done) =>
      done(null, body),
    );
    app.post('/api/v1/videos', async (request, reply) => {
      if (!userOf(request)) throw new AppError('UNAUTHENTICATED');
      const videoId = `vid_up${log.uploads.length}`;
      const body = request.body as { content_type?: string; caption?: string };
      const contentType = body.content_type ?? 'video/mp4';
      if (body.caption === 'broken') broken.add(videoId);
      log.uploads.push({ videoId, step: 'create', contentType });
      return reply.status(201).send({
        video_id: videoId,
        upload_url: `${request.protocol}://${request.host}/upload/${videoId}?sig=fixture`,
        upload_method: 'PUT',
        upload_headers: { 'content-type': contentType },
        expires_at: Date.now() + 3600_000,
        status: 'uploading',
        max_bytes: 50_000_000,
      });
    });
    app.put<{ Params: { id: string } }>('/upload/:id', async (request, reply) => {
      const body = request.body as Buffer;
      log.uploads.push({
        videoId: request.params.id,
        step: 'put',
        bytes: body.length,
        contentType: String(request.headers['content-type']),
      });
      return reply.status(200).send();
    });
    app.post<{ Params: { id: string } }>('/api/v1/videos/:id/complete', async (request, reply) => {
      if (!userOf(request)) throw new AppError('UNAUTHENTICATED');
      log.uploads.push({ videoId: request.params.id, step: 'complete' });
      return reply.status(202).send({ video_id: request.params.id, status: 'processing' });
    });
    app.get<{ Params: { id: string } }>('/api/v1/videos/:id/status', async (request) => {
      const id = request.params.id;
      if (!id.startsWith('vid_up')) throw new AppError('VIDEO_NOT_FOUND');
      const n = (polls.get(id) ?? 0) + 1;
      polls.set(id, n);
      log.uploads.push({ videoId: id, step: 'poll' });
      const done = n >= 3;
      const failed = done && broken.has(id);
      return {
        video_id: id,
        status: failed ? 'failed' : done ? 'ready' : 'processing',
        failure_code: failed ? 'TRUNCATED_FILE' : null,
        failure_reason: failed
          ? 'The video file is incomplete: it stops before the length it claims. Upload it again. (the file says it lasts 5.0 s but only 1.6 s of video could be read)'
          : null,
        processed_at: done ? Date.now() : null,
        poll_after_ms: done ? null : 2000,
      };
    });
    app.get<{ Params: { id: string } }>('/api/v1/videos/:id', async (request) => {
      const id = request.params.id;
      if (!id.startsWith('vid_up')) throw new AppError('VIDEO_NOT_FOUND');
      const ready = (polls.get(id) ?? 0) >= 3 && !broken.has(id);
      return {
        id,
        author_id: userOf(request)?.id ?? 'someone',
        caption: 'my upload',
        hashtags: [],
        status: ready ? 'ready' : 'processing',
        failure_code: null,
        failure_reason: null,
        duration_ms: 4000,
        playback: ready ? { master_url: `/media/${clips[0]!.name}/master.m3u8`, poster_url: null } : null,
      };
    });

    app.get<{ Params: { id: string } }>('/api/v1/users/:id', async (request) => {
      const user = [...sessions.values()].find((u) => u.id === request.params.id);
      if (!user) throw new AppError('USER_NOT_FOUND');
      return { ...user, bio: '', created_at: 0, follower_count: 0, following_count: 0, video_count: 1 };
    });

    app.get('/api/v1/me', async (request) => {
      const user = userOf(request);
      if (!user) throw new AppError('UNAUTHENTICATED');
      return { ...user, bio: '', created_at: 0, role: 'user', banned: false };
    });

    // One unread count, then the stream ends (the client reconnects after a pause, as after a server's limit).
    app.get('/api/v1/notifications/stream', async (request, reply) => {
      if (!userOf(request)) throw new AppError('UNAUTHENTICATED');
      return reply.type('text/event-stream').send('event: unread\ndata: {"unread_count":0}\n\n');
    });

    app.get<{ Params: { clip: string; file: string } }>('/media/:clip/:file', async (request, reply) => {
      const clip = clips.find((c) => c.name === request.params.clip);
      const file = request.params.file;
      const type = TYPES[file.split('.').pop() ?? ''];
      if (!clip || !type || !/^[a-z0-9]+\.(m3u8|ts)$/.test(file)) throw new AppError('OBJECT_NOT_FOUND');
      return reply
        .type(type)
        .header('cache-control', 'no-cache')
        .send(await readFile(join(clip.dir, file)));
    });
  };
  return { plugin, log };
}
