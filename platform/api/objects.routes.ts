import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors/registry.ts';
import { verifyObjectSignature } from '../../core/objects/object.signature.ts';
import type { ByteRange, ObjectInfo, ObjectStore } from '../../core/objects/ports.ts';

/** What the objects routes need: the (file) store they serve and the key its URLs were signed with. */
export interface ObjectsRoutesDeps {
  objects: ObjectStore;
  secret: string;
  /** Milliseconds since the epoch; defaults to Date.now. */
  clock?: () => number;
  /** False when a validly signed upload must still be refused (its draft was deleted or expired). */
  acceptsUpload?: (key: string) => Promise<boolean>;
}

type ObjectRequest = FastifyRequest<{ Params: { '*': string }; Querystring: Record<string, string> }>;

/** `video/mp4; codecs=x` → `video/mp4`: clients may add parameters, the media type itself must match. */
const essence = (ct: string | undefined): string => (ct ?? '').split(';')[0]!.trim().toLowerCase();

/** Yields the body while counting; throws PAYLOAD_TOO_LARGE past `max`, so the store discards the temp file. */
async function* limited(body: Readable, max: number): AsyncGenerator<Buffer> {
  let seen = 0;
  // Leave the request open on exit: the 413 reply still has to go out over its socket.
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    seen += chunk.length;
    if (seen > max) throw new AppError('PAYLOAD_TOO_LARGE', `The upload exceeds its limit of ${max} bytes`, { max });
    yield chunk;
  }
}

/**
 * The single byte range of a `Range: bytes=…` header resolved against `size`; undefined to serve the whole
 * object (no header, or one we ignore such as several ranges, as RFC 9110 allows); 'unsatisfiable' for 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${etag}"`;
  });
}

function objectHeaders(reply: FastifyReply, info: ObjectInfo): void {
  reply.header('etag', `"${info.etag}"`);
  reply.header('last-modified', new Date(info.lastModified).toUTCString());
  reply.header('accept-ranges', 'bytes');
  // Uploaded bytes are served from the API's own origin: never let a browser run them as a page.
  reply.header('x-content-type-options', 'nosniff');
  reply.header('content-security-policy', "default-src 'none'; sandbox");
}

/**
 * Serves the file store's signed URLs: `PUT /objects/<key>` streams an upload into the store within the signed
 * size and content type; `GET|HEAD /objects/<key>` serves it with ETag/304 and single byte ranges (206/416).
 * Register it without fastify-plugin (it replaces the body parsers of its own scope only) and without a
 * prefix: the store signs `<publicBaseUrl>/objects/<key>`, so a prefix belongs in publicBaseUrl instead.
 */
export function objectsRoutes(deps: ObjectsRoutesDeps): FastifyPluginAsync {
  const now = deps.clock ?? Date.now;

  function grantFor(request: ObjectRequest, op: 'get' | 'put') {
    const key = request.params['*'];
    const result = verifyObjectSignature({ secret: deps.secret, key, op, query: request.query, nowMs: now() });
    if (!result.ok) {
      request.log.info({ key, reason: result.reason }, 'refused a signed object URL');
      throw new AppError('INVALID_SIGNATURE');
    }
    return result.grant;
  }

  return async (app) => {
    // Uploads are raw bytes of any type: hand the request stream over unread instead of parsing it.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.put('/objects/*', async (request: ObjectRequest, reply) => {
      const grant = grantFor(request, 'put');
      if (grant.max === undefined || grant.ct === undefined) throw new AppError('INVALID_SIGNATURE');
      if (deps.acceptsUpload && !(await deps.acceptsUpload(grant.key))) {
        reply.header('connection', 'close');
        throw new AppError('VIDEO_NOT_UPLOADABLE');
      }
      if (essence(request.headers['content-type']) !== essence(grant.ct)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `This upload URL takes Content-Type ${grant.ct}`, {
          expected: grant.ct,
        });
      }
      const declared = Number(request.headers['content-length']);
      if (declared > grant.max) {
        reply.header('connection', 'close');
        throw new AppError('PAYLOAD_TOO_LARGE', `The upload exceeds its limit of ${grant.max} bytes`, {
          max: grant.max,
        });
      }
      const body = (request.body as Readable | undefined) ?? request.raw;
      let info: ObjectInfo;
      try {
        info = await deps.objects.put(grant.key, Readable.from(limited(body, grant.max)), { contentType: grant.ct });
      } catch (e) {
        // The rest of the body is still on the wire: close the connection after the reply rather than read it.
        reply.header('connection', 'close');
        throw e;
      }
      reply.header('etag', `"${info.etag}"`);
      return { key: info.key, size: info.size, contentType: info.contentType, etag: info.etag };
    });

    app.route({
      method: ['GET', 'HEAD'],
      url: '/objects/*',
      handler: async (request: ObjectRequest, reply) => {
        const grant = grantFor(request, 'get');
        // Opening the body first pins the version: the headers below then describe exactly the bytes sent.
        const opened = request.method === 'HEAD' ? undefined : await deps.objects.get(grant.key);
        const info = opened?.info ?? (await deps.objects.head(grant.key));
        if (!info) throw new AppError('OBJECT_NOT_FOUND', `No object at key "${grant.key}"`, { key: grant.key });
        objectHeaders(reply, info);
        if (matchesEtag(request.headers['if-none-match'], info.etag)) {
          opened?.body.destroy();
          return reply.code(304).send();
        }

        const ifRange = request.headers['if-range'];
        const range =
          ifRange && ifRange !== `"${info.etag}"` ? undefined : parseRange(request.headers.range, info.size);
        if (range === 'unsatisfiable') {
          opened?.body.destroy();
          reply.header('content-range', `bytes */${info.size}`);
          throw new AppError('INVALID_RANGE', `No bytes of the requested range exist in ${info.size}`, {
            size: info.size,
          });
        }
        reply.type(info.contentType);
        if (range) {
          reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
        }
        reply.header('content-length', String(range ? range.end - range.start + 1 : info.size));
        if (!opened) return reply.send();
        if (!range) return reply.send(opened.body);
        opened.body.destroy();
        // The etag guards the rare overwrite between the two opens: never splice two versions' bytes.
        const part = await deps.objects.get(grant.key, range);
        if (part.info.etag !== info.etag) {
          part.body.destroy();
          throw new AppError('BACKEND_UNAVAILABLE', 'The object changed while being read; retry');
        }
        return reply.send(part.body);
      },
    });
  };
}
