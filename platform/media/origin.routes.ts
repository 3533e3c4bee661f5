import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../core/errors/registry.ts';
import { isId } from '../../core/ids.ts';
import type { ByteRange } from '../../core/objects/ports.ts';
import { validateObjectKey } from '../../core/objects/validate.ts';
import { openToAnyone } from '../../domain/access.ts';
import type { AppDeps } from '../api/deps.ts';
import { parseRange } from '../api/objects.routes.ts';
import { rewriteMpdUrls } from './dash.ts';
import { rewritePlaylistUris } from './hls.ts';
import { MANIFEST_TYPES, mediaContentType } from './media-keys.ts';
import { originAccess } from './origin-access.ts';
import { verifyPlaybackToken } from './playback-token.ts';
import { videosRepo } from './videos.repo.ts';

/** Cache lifetimes: files under a versioned prefix never change; playlists and manifests are re-read often. */
export const CACHE_CONTROL = {
  immutable: 'public, max-age=31536000, immutable',
  playlist: 'public, max-age=2',
  // Token-gated media must never sit in a shared cache, where a request without the token could hit it.
  privateImmutable: 'private, max-age=3600',
  privatePlaylist: 'private, no-cache',
} as const;

type MediaRequest = FastifyRequest<{
  Params: { id: string; version: string; '*': string };
  Querystring: { token?: string };
}>;

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/**
 * The media origin: `GET|HEAD /media/videos/<id>/v<version>/<path>` streams renditions, playlists and
 * images from the ObjectStore with strong ETags (304), single byte ranges (206/416) and cache headers
 * a CDN can follow. Media of private and friends-only videos needs `?token=` from `GET /videos/:id`
 * or the feed, and the viewer it was issued to must still pass `canView` (re-checked on every request,
 * follows and blocks cached for `accessCacheMs`); otherwise it is a 404, exactly like a video that does
 * not exist. Playlists served with a token are rewritten so every URI in them carries it too.
 */
export function originRoutes(
  deps: Pick<AppDeps, 'metadata' | 'objects' | 'secret' | 'clock' | 'telemetry'> & {
    edgeTtlS: number;
    accessCacheMs: number;
  },
): FastifyPluginAsync {
  const repo = videosRepo(deps.metadata);
  const access = originAccess({ metadata: deps.metadata, clock: deps.clock, ttlMs: deps.accessCacheMs });

  async function handle(request: MediaRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { id, version, '*': rest } = request.params;
    const versionNo = /^v([1-9]\d{0,8})$/.exec(version)?.[1];
    const contentType = mediaContentType(rest);
    if (!isId(id) || !versionNo || !contentType) throw new AppError('VIDEO_NOT_FOUND');
    const key = `videos/${id}/${version}/${rest}`;
    try {
      validateObjectKey(key);
    } catch {
      // A path no stored key can have: the same answer as a missing video, by design.
      throw new AppError('VIDEO_NOT_FOUND');
    }
    const video = await repo.get(id);
    if (!video || video.deletedAt !== null || video.status !== 'ready' || Number(versionNo) > video.version) {
      throw new AppError('VIDEO_NOT_FOUND');
    }
    const gated = !openToAnyone(video);
    const token = request.query.token;
    if (gated) {
      const viewerId = verifyPlaybackToken(deps.secret, id, token, deps.clock.now());
      const rule = {
        authorId: video.authorId,
        privacy: video.privacy,
        status: video.status,
        moderation: video.moderation,
        authorPrivate: video.authorPrivate,
      };
      if (viewerId === undefined || !(await access.mayPlay(viewerId, rule))) throw new AppError('VIDEO_NOT_FOUND');
    }

    // HLS playlists and the DASH manifest: short-lived, and rewritten to carry the token.
    const playlist = MANIFEST_TYPES.has(contentType);
    reply.header(
      'cache-control',
      gated
        ? playlist
          ? CACHE_CONTROL.privatePlaylist
          : CACHE_CONTROL.privateImmutable
        : playlist
          ? CACHE_CONTROL.playlist
          : CACHE_CONTROL.immutable,
    );
    if (!gated && !playlist) {
      // Shared caches revalidate public media this often (a cheap 304 while the video lives, a 404 once it
      // is deleted): nginx reads X-Accel-Expires, other CDNs the targeted CDN-Cache-Control (RFC 9213).
      reply.header('x-accel-expires', String(deps.edgeTtlS));
      reply.header('cdn-cache-control', `public, max-age=${deps.edgeTtlS}`);
    }
    reply.header('content-type', contentType);
    reply.header('accept-ranges', 'bytes');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('access-control-allow-origin', '*');

    // A token-carrying playlist is rewritten, so it is served from memory with an ETag of its own bytes.
    let body: Buffer | undefined;
    let size: number;
    let etag: string;
    if (gated && playlist) {
      const stored = await deps.objects.getBuffer(key).catch((err) => {
        // Still a 404 to the player (as before), but an outage of the store is not a missing object.
        if (!isAppError(err, 'OBJECT_NOT_FOUND')) {
          deps.telemetry.component('origin').failed(err, 'reading a playlist failed; answered 404', { key });
        }
        throw new AppError('OBJECT_NOT_FOUND');
      });
      const q = `token=${encodeURIComponent(String(token))}`;
      const withToken = (uri: string) => `${uri}${uri.includes('?') ? '&' : '?'}${q}`;
      const rewrite = contentType === 'application/dash+xml' ? rewriteMpdUrls : rewritePlaylistUris;
      body = Buffer.from(rewrite(stored.toString('utf8'), withToken));
      size = body.length;
      etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    } else {
      const info = await deps.objects.head(key);
      if (!info) throw new AppError('OBJECT_NOT_FOUND');
      size = info.size;
      etag = `"${info.etag.replace(/^"|"$/g, '')}"`;
      reply.header('last-modified', new Date(info.lastModified).toUTCString());
    }
    reply.header('etag', etag);
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();

    const range = parseRange(request.headers.range, size);
    if (range === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      throw new AppError('INVALID_RANGE');
    }
    const r: ByteRange = range ?? { start: 0, end: size - 1 };
    if (range) {
      reply.status(206);
      reply.header('content-range', `bytes ${r.start}-${r.end}/${size}`);
    }
    reply.header('content-length', String(size === 0 ? 0 : r.end - r.start + 1));
    if (request.method === 'HEAD' || size === 0) return reply.send();
    if (body) return reply.send(body.subarray(r.start, r.end + 1));
    const { body: stream } = await deps.objects.get(key, range ?? undefined);
    return reply.send(stream);
  }

  return async (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/media/videos/:id/:version/*',
      exposeHeadRoute: false,
      schema: { hide: true },
      handler: handle,
    });
  };
}
