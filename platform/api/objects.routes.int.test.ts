import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors/registry.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { objectsRoutes, parseRange } from './objects.routes.ts';

const secret = randomBytes(32).toString('hex');
let dir: string;
let store: ObjectStore;
let app: FastifyInstance;
/** One clock for signing and verifying, so expiry tests do not depend on how long the run takes. */
let nowMs = Date.now();

/** Path and query of a signed URL, for inject. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-objects-routes-'));
  store = await openObjectStore(pathToFileURL(dir).href, {
    publicBaseUrl: 'http://api.test',
    secret,
    clock: { now: () => nowMs },
  });
  app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    if (isAppError(err)) return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    return reply.code(500).send({ error: { code: 'INTERNAL', message: String(err) } });
  });
  await app.register(objectsRoutes({ objects: store, secret, clock: () => nowMs }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const upload = (key: string, maxBytes = 1000, contentType = 'video/mp4') =>
  store.signedUpload(key, { expiresInS: 60, contentType, maxBytes });

describe('PUT /objects/* (signed upload)', () => {
  it('stores the body under the signed key with the signed content type', async () => {
    const signed = await upload('up/ok.mp4');
    const res = await app.inject({ method: 'PUT', url: pathOf(signed.url), headers: signed.headers, payload: 'abc' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ key: 'up/ok.mp4', size: 3, contentType: 'video/mp4' });
    expect(res.headers.etag).toBe(`"${res.json().etag}"`);
    expect((await store.getBuffer('up/ok.mp4')).toString()).toBe('abc');
  });

  it('stores a JSON body raw instead of parsing it', async () => {
    const signed = await upload('up/data.json', 1000, 'application/json');
    const res = await app.inject({
      method: 'PUT',
      url: pathOf(signed.url),
      headers: { 'content-type': 'application/json' },
      payload: '{"not":"parsed" ',
    });
    expect(res.statusCode).toBe(200);
    expect((await store.getBuffer('up/data.json')).toString()).toBe('{"not":"parsed" ');
  });

  it('answers 403 INVALID_SIGNATURE for a tampered key, limit or signature', async () => {
    const signed = await upload('up/tamper.mp4', 10);
    const tampered = [
      signed.url.replace('up/tamper.mp4', 'up/other.mp4'),
      signed.url.replace('max=10', 'max=99999'),
      signed.url.replace(/sig=[0-9a-f]{4}/, 'sig=0000'),
      signed.url.replace(/&sig=[0-9a-f]+/, ''),
    ];
    for (const url of tampered) {
      const res = await app.inject({ method: 'PUT', url: pathOf(url), headers: signed.headers, payload: 'abc' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('INVALID_SIGNATURE');
    }
    expect(await store.list('up/other')).toEqual([]);
  });

  it('answers 403 once the URL has expired', async () => {
    const signed = await upload('up/late.mp4');
    nowMs += 61_000;
    try {
      const res = await app.inject({ method: 'PUT', url: pathOf(signed.url), headers: signed.headers, payload: 'x' });
      expect(res.statusCode).toBe(403);
      expect(await store.head('up/late.mp4')).toBeUndefined();
    } finally {
      nowMs -= 61_000;
    }
  });

  it('refuses a download URL used for an upload', async () => {
    await store.put('up/existing', Buffer.from('keep'));
    const signed = await store.signedDownload('up/existing', { expiresInS: 60 });
    const res = await app.inject({ method: 'PUT', url: pathOf(signed.url), payload: 'overwrite' });
    expect(res.statusCode).toBe(403);
    expect((await store.getBuffer('up/existing')).toString()).toBe('keep');
  });

  it('answers 415 for another content type and stores nothing', async () => {
    const signed = await upload('up/type.mp4');
    const res = await app.inject({
      method: 'PUT',
      url: pathOf(signed.url),
      headers: { 'content-type': 'text/html' },
      payload: '<script>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await store.head('up/type.mp4')).toBeUndefined();
  });

  it('accepts content-type parameters on the signed media type', async () => {
    const signed = await upload('up/params.mp4');
    const res = await app.inject({
      method: 'PUT',
      url: pathOf(signed.url),
      headers: { 'content-type': 'Video/MP4; codecs="avc1"' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 413 for a declared length over the limit, storing nothing', async () => {
    const signed = await upload('up/big.mp4', 10);
    const res = await app.inject({
      method: 'PUT',
      url: pathOf(signed.url),
      headers: signed.headers,
      payload: Buffer.alloc(11),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await store.head('up/big.mp4')).toBeUndefined();
  });

  it('answers 413 for a chunked body that grows past the limit, leaving no file behind', async () => {
    const signed = await upload('up/stream.mp4', 100_000);
    const chunks = Readable.from(
      (function* () {
        for (let i = 0; i < 20; i++) yield Buffer.alloc(10_000, i);
      })(),
    );
    const res = await app.inject({ method: 'PUT', url: pathOf(signed.url), headers: signed.headers, payload: chunks });
    expect(res.statusCode).toBe(413);
    expect(await store.head('up/stream.mp4')).toBeUndefined();
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });

  it('accepts a body of exactly the limit', async () => {
    const signed = await upload('up/exact.mp4', 10);
    const res = await app.inject({
      method: 'PUT',
      url: pathOf(signed.url),
      headers: signed.headers,
      payload: Buffer.alloc(10, 7),
    });
    expect(res.statusCode).toBe(200);
    expect((await store.head('up/exact.mp4'))?.size).toBe(10);
  });
});

describe('GET|HEAD /objects/* (signed download)', () => {
  const body = Buffer.from('0123456789');
  let url: string;
  let etag: string;
  beforeAll(async () => {
    etag = (await store.put('down/digits.txt', body, { contentType: 'text/plain' })).etag;
    url = pathOf((await store.signedDownload('down/digits.txt', { expiresInS: 60 })).url);
  });

  it('serves the whole object with its type, length, etag and no-sniff headers', async () => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('0123456789');
    expect(res.headers).toMatchObject({
      'content-type': 'text/plain',
      'content-length': '10',
      etag: `"${etag}"`,
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    });
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('10');
    expect(res.body).toBe('');
  });

  it('answers 206 with Content-Range for byte ranges', async () => {
    const cases: [string, string, string][] = [
      ['bytes=0-0', '0', 'bytes 0-0/10'],
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, text, contentRange] of cases) {
      const res = await app.inject({ method: 'GET', url, headers: { range } });
      expect([range, res.statusCode, res.body, res.headers['content-range']]).toEqual([range, 206, text, contentRange]);
    }
  });

  it('answers 416 with bytes */size for an unsatisfiable range', async () => {
    const res = await app.inject({ method: 'GET', url, headers: { range: 'bytes=10-' } });
    expect(res.statusCode).toBe(416);
    expect(res.json().error.code).toBe('INVALID_RANGE');
    expect(res.headers['content-range']).toBe('bytes */10');
  });

  it('serves the whole object when If-Range names another version', async () => {
    const res = await app.inject({ method: 'GET', url, headers: { range: 'bytes=0-1', 'if-range': '"stale"' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('0123456789');
  });

  it('answers 304 when If-None-Match holds the current etag', async () => {
    const res = await app.inject({ method: 'GET', url, headers: { 'if-none-match': `"other", "${etag}"` } });
    expect(res.statusCode).toBe(304);
    expect(res.body).toBe('');
    const changed = await app.inject({ method: 'GET', url, headers: { 'if-none-match': '"other"' } });
    expect(changed.statusCode).toBe(200);
  });

  it('answers 404 OBJECT_NOT_FOUND for a signed key that is gone', async () => {
    await store.put('down/gone', Buffer.from('x'));
    const gone = pathOf((await store.signedDownload('down/gone', { expiresInS: 60 })).url);
    await store.delete('down/gone');
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url: gone });
      expect(res.statusCode).toBe(404);
    }
  });

  it('answers 403 for an upload URL, an expired URL or a URL without a signature', async () => {
    const up = pathOf((await upload('down/digits.txt')).url);
    expect((await app.inject({ method: 'GET', url: up })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/objects/down/digits.txt' })).statusCode).toBe(403);
    nowMs += 61_000;
    try {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(403);
    } finally {
      nowMs -= 61_000;
    }
  });
});

describe('parseRange', () => {
  it('resolves single ranges against the size and ignores what it cannot serve', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=0-1,4-5', 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
    expect(parseRange('bytes=5-2', 10)).toBeUndefined();
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-20', 10)).toEqual({ start: 0, end: 9 });
  });
});

describe('over real HTTP', () => {
  let base: string;
  let server: FastifyInstance;
  beforeAll(async () => {
    server = Fastify();
    server.setErrorHandler((err, _request, reply) => {
      if (isAppError(err)) return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
      return reply.code(500).send({ error: { code: 'INTERNAL', message: String(err) } });
    });
    await server.register(objectsRoutes({ objects: store, secret }));
    base = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  it('answers 413 to a 5 MB upload over a 100 kB limit, declared or chunked, and stores nothing', async () => {
    const signed = await upload('http/big.mp4', 100_000);
    const url = base + pathOf(signed.url);
    const declared = await fetch(url, { method: 'PUT', headers: signed.headers, body: Buffer.alloc(5_000_000) });
    expect([declared.status, (await declared.json()).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 500; i++) c.enqueue(new Uint8Array(10_000));
        c.close();
      },
    });
    const chunkedRes = await fetch(url, {
      method: 'PUT',
      headers: signed.headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect([chunkedRes.status, (await chunkedRes.json()).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await store.head('http/big.mp4')).toBeUndefined();
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });
});
