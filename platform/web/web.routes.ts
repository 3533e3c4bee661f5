import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors/registry.ts';
import { type Asset, type AssetTable, loadAssets } from './assets.ts';

/** Cache lifetimes: the page is revalidated on every load; assets live under a content-hashed path. */
export const WEB_CACHE_CONTROL = {
  page: 'no-cache',
  versioned: 'public, max-age=31536000, immutable',
  // A page from before a deploy asks for the old version: it gets today's file, which must not stick.
  stale: 'no-cache',
} as const;

/**
 * Scripts only from us; media, posters and uploads may live on a CDN or an S3 endpoint; hls.js runs
 * its demuxer in a blob: worker and feeds the video element through MediaSource (blob: URLs).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' blob: http: https:",
  "connect-src 'self' http: https:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_PATH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*(?:\.[A-Za-z0-9]+)+$/;

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

function send(request: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string): FastifyReply {
  reply.header('cache-control', cacheControl);
  reply.header('etag', a.etag);
  reply.header('x-content-type-options', 'nosniff');
  if (matchesEtag(request.headers['if-none-match'], a.etag)) return reply.status(304).send();
  reply.header('content-type', a.contentType);
  return reply.send(a.body);
}

/**
 * The web client: `GET /` is the single page, `GET /app/<version>/<path>` its styles, modules and hls.js.
 * Every response has a strong ETag (304 on a match). Unknown or malformed paths, path traversal
 * included, are a 404 NOT_FOUND; nothing on disk is looked up per request, so none can escape.
 * @remarks Register at the root, next to the API; it adds no hooks.
 */
export function webRoutes(table: AssetTable = loadAssets()): FastifyPluginAsync {
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      reply.header('content-security-policy', CSP);
      reply.header('referrer-policy', 'strict-origin-when-cross-origin');
      return send(request, reply, table.index, WEB_CACHE_CONTROL.page);
    });

    app.get<{ Params: { version: string; '*': string } }>(
      '/app/:version/*',
      { schema: { hide: true } },
      async (request, reply) => {
        const { version, '*': path } = request.params;
        const a = ASSET_PATH.test(path) ? table.files.get(path) : undefined;
        if (!a || !/^[0-9a-f]{1,64}$/.test(version)) throw new AppError('NOT_FOUND', 'No such file.');
        return send(
          request,
          reply,
          a,
          version === table.version ? WEB_CACHE_CONTROL.versioned : WEB_CACHE_CONTROL.stale,
        );
      },
    );
  };
}
