import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../clock.ts';
import { isAppError } from '../errors/registry.ts';
import { newId } from '../ids.ts';
import type { ObjectStore } from './ports.ts';

/** A store under test plus whatever serves its signed URLs; `stop` releases all of it. */
export interface ObjectStoreFixture {
  store: ObjectStore;
  stop(): Promise<void>;
}

/** Opens a fresh, empty store whose signed URLs are live over real HTTP; `clock` is the signing time. */
export type OpenObjectStoreFixture = (opts: { clock: Clock }) => Promise<ObjectStoreFixture>;

async function expectAppError(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(err) ? err.code : err).toBe(code);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

function chunked(buf: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
    })(),
  );
}

const BAD_KEYS = [
  '',
  '/abs/path',
  'a/../b',
  '..',
  'a//b',
  'a/',
  'a\u0000b',
  'a\\b',
  '.hidden',
  'a/./b',
  'x'.repeat(1025),
];

/** Every behaviour the ObjectStore port promises, run against one backend. */
export function describeObjectStoreContract(name: string, open: OpenObjectStoreFixture): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fx: ObjectStoreFixture;
    let store: ObjectStore;
    beforeAll(async () => {
      fx = await open({ clock: systemClock });
      store = fx.store;
    });
    afterAll(async () => {
      await fx?.stop();
    });
    const fresh = () => `t/${newId()}`;

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('puts an object and reads back the same bytes, size, content type and etag', async () => {
      const key = `${fresh()}/hello.txt`;
      const body = Buffer.from('hello, objects');
      const put = await store.put(key, body, { contentType: 'text/plain' });
      expect(put).toMatchObject({ key, size: body.length, contentType: 'text/plain' });
      expect(put.etag).not.toBe('');
      expect(put.lastModified).toBeGreaterThan(Date.now() - 600_000);
      expect(await store.head(key)).toEqual(put);
      const got = await store.get(key);
      expect(got.info).toEqual(put);
      expect(await text(got.body)).toBe('hello, objects');
      expect(await store.getBuffer(key)).toEqual(body);
    });

    it('defaults the content type to application/octet-stream', async () => {
      const key = fresh();
      expect((await store.put(key, Buffer.from([1, 2, 3]))).contentType).toBe('application/octet-stream');
      expect((await store.head(key))?.contentType).toBe('application/octet-stream');
    });

    it('stores an empty object', async () => {
      const key = fresh();
      expect((await store.put(key, Buffer.alloc(0))).size).toBe(0);
      expect(await store.getBuffer(key)).toEqual(Buffer.alloc(0));
    });

    it('gives equal content equal etags and different content different etags', async () => {
      const [a, b, c] = [fresh(), fresh(), fresh()];
      const ea = (await store.put(a, Buffer.from('same'))).etag;
      const eb = (await store.put(b, Buffer.from('same'))).etag;
      const ec = (await store.put(c, Buffer.from('other'))).etag;
      expect(ea).toBe(eb);
      expect(ec).not.toBe(ea);
    });

    it('overwrites an object entirely: bytes, size, content type and etag', async () => {
      const key = fresh();
      const first = await store.put(key, Buffer.from('first version, longer'), { contentType: 'text/plain' });
      const second = await store.put(key, Buffer.from('second'), { contentType: 'application/json' });
      expect(second.etag).not.toBe(first.etag);
      expect(await store.head(key)).toMatchObject({ size: 6, contentType: 'application/json', etag: second.etag });
      expect((await store.getBuffer(key)).toString()).toBe('second');
    });

    it('leaves one whole version when many puts race on one key', async () => {
      const key = fresh();
      const bodies = Array.from({ length: 8 }, () => randomBytes(200_000));
      await Promise.all(bodies.map((b) => store.put(key, b)));
      const final = await store.getBuffer(key);
      expect(bodies.some((b) => b.equals(final))).toBe(true);
      expect((await store.head(key))?.etag).toBe(md5(final));
    });

    it('round-trips 5 MB of random binary byte-exactly', async () => {
      const key = `${fresh()}/blob.bin`;
      const body = randomBytes(5 * 1024 * 1024);
      expect((await store.put(key, body, { contentType: 'application/octet-stream' })).size).toBe(body.length);
      expect((await store.getBuffer(key)).equals(body)).toBe(true);
    });

    it('streams a 9 MB Readable body in and out byte-exactly', async () => {
      const key = fresh();
      const body = randomBytes(9 * 1024 * 1024 + 13);
      const info = await store.put(key, chunked(body, 64 * 1024), { contentType: 'video/mp4' });
      expect(info).toMatchObject({ size: body.length, contentType: 'video/mp4' });
      expect((await store.getBuffer(key)).equals(body)).toBe(true);
    });

    it('reads inclusive byte ranges', async () => {
      const key = fresh();
      const body = Buffer.from('0123456789');
      await store.put(key, body);
      const read = async (start: number, end: number) => {
        const got = await store.get(key, { start, end });
        expect(got.info.size).toBe(10);
        return text(got.body);
      };
      expect(await read(0, 0)).toBe('0');
      expect(await read(3, 6)).toBe('3456');
      expect(await read(9, 9)).toBe('9');
      expect(await read(0, 9)).toBe('0123456789');
    });

    it('refuses a range outside the object with INVALID_RANGE', async () => {
      const key = fresh();
      await store.put(key, Buffer.from('0123456789'));
      await expectAppError(store.get(key, { start: 5, end: 10 }), 'INVALID_RANGE');
      await expectAppError(store.get(key, { start: 10, end: 12 }), 'INVALID_RANGE');
      await expectAppError(store.get(key, { start: 6, end: 5 }), 'INVALID_RANGE');
    });

    it('reports a missing key: head undefined, get and getBuffer OBJECT_NOT_FOUND', async () => {
      const key = fresh();
      expect(await store.head(key)).toBeUndefined();
      await expectAppError(store.get(key), 'OBJECT_NOT_FOUND');
      await expectAppError(store.get(key, { start: 0, end: 0 }), 'OBJECT_NOT_FOUND');
      await expectAppError(store.getBuffer(key), 'OBJECT_NOT_FOUND');
    });

    it('deletes objects, and deleting a missing key is a no-op', async () => {
      const key = fresh();
      await store.put(key, Buffer.from('x'));
      await store.delete(key);
      expect(await store.head(key)).toBeUndefined();
      await expectAppError(store.get(key), 'OBJECT_NOT_FOUND');
      await expect(store.delete(key)).resolves.toBeUndefined();
      await expect(store.delete(`${fresh()}/never/was`)).resolves.toBeUndefined();
    });

    it('lists keys under a prefix, sorted, including partial-segment prefixes', async () => {
      const p = fresh();
      const keys = [`${p}/b/2.ts`, `${p}/a.txt`, `${p}/b/1.ts`, `${p}/ab/x`, `${p}/c`];
      for (const k of keys) await store.put(k, Buffer.from(k));
      expect(await store.list(`${p}/`)).toEqual([`${p}/a.txt`, `${p}/ab/x`, `${p}/b/1.ts`, `${p}/b/2.ts`, `${p}/c`]);
      expect(await store.list(`${p}/b/`)).toEqual([`${p}/b/1.ts`, `${p}/b/2.ts`]);
      expect(await store.list(`${p}/a`)).toEqual([`${p}/a.txt`, `${p}/ab/x`]);
      expect(await store.list(`${p}/zzz`)).toEqual([]);
      expect(await store.list(`${fresh()}/`)).toEqual([]);
      await store.delete(`${p}/b/1.ts`);
      expect(await store.list(`${p}/b`)).toEqual([`${p}/b/2.ts`]);
      const all = await store.list('');
      expect(all).toEqual(expect.arrayContaining(keys.filter((k) => !k.endsWith('/b/1.ts'))));
    });

    it('keeps keys with spaces and non-ASCII characters', async () => {
      const key = `${fresh()}/with space/ünïcødé +%.txt`;
      await store.put(key, Buffer.from('unicode'), { contentType: 'text/plain' });
      expect((await store.getBuffer(key)).toString()).toBe('unicode');
      expect(await store.list(key.slice(0, key.lastIndexOf('/') + 1))).toEqual([key]);
    });

    it('rejects bad keys with VALIDATION_FAILED on every operation', async () => {
      for (const key of BAD_KEYS) {
        await expectAppError(store.put(key, Buffer.from('x')), 'VALIDATION_FAILED');
        await expectAppError(store.head(key), 'VALIDATION_FAILED');
        await expectAppError(store.get(key), 'VALIDATION_FAILED');
        await expectAppError(store.delete(key), 'VALIDATION_FAILED');
        await expectAppError(store.signedDownload(key, { expiresInS: 60 }), 'VALIDATION_FAILED');
        await expectAppError(
          store.signedUpload(key, { expiresInS: 60, contentType: 'video/mp4', maxBytes: 10 }),
          'VALIDATION_FAILED',
        );
      }
      await expectAppError(store.list('../'), 'VALIDATION_FAILED');
    });

    it('rejects nonsensical signed-URL options', async () => {
      const key = fresh();
      await expect(store.signedDownload(key, { expiresInS: 0 })).rejects.toThrow(/expiresInS/);
      await expect(
        store.signedUpload(key, { expiresInS: 60, contentType: 'not a type', maxBytes: 10 }),
      ).rejects.toThrow(/media type/);
      await expect(store.signedUpload(key, { expiresInS: 60, contentType: 'video/mp4', maxBytes: 0 })).rejects.toThrow(
        /maxBytes/,
      );
    });

    it('accepts a real HTTP PUT to a signed upload URL, then head shows the object', async () => {
      const key = `${fresh()}/upload ü.mp4`;
      const body = randomBytes(300_000);
      const signed = await store.signedUpload(key, { expiresInS: 300, contentType: 'video/mp4', maxBytes: 1_000_000 });
      expect(signed).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'video/mp4' } });
      expect(signed.expiresAt).toBeGreaterThan(Date.now());
      const res = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
      expect(res.status).toBeLessThan(300);
      await res.arrayBuffer();
      expect(await store.head(key)).toMatchObject({ size: body.length, contentType: 'video/mp4', etag: md5(body) });
      expect((await store.getBuffer(key)).equals(body)).toBe(true);
    });

    it('serves the bytes on a real HTTP GET of a signed download URL', async () => {
      const key = `${fresh()}/thumb.jpg`;
      const body = randomBytes(70_000);
      await store.put(key, body, { contentType: 'image/jpeg' });
      const signed = await store.signedDownload(key, { expiresInS: 300 });
      expect(signed.method).toBe('GET');
      const res = await fetch(signed.url, { headers: signed.headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    });

    it('refuses expired signed URLs, and an expired upload stores nothing', async () => {
      const past = await open({ clock: { now: () => Date.now() - 3_600_000 } });
      try {
        const key = `${fresh()}/late.bin`;
        await past.store.put(key, Buffer.from('secret bytes'));
        const down = await past.store.signedDownload(key, { expiresInS: 60 });
        expect(down.expiresAt).toBeLessThan(Date.now());
        const got = await fetch(down.url);
        await got.arrayBuffer();
        expect(got.status).toBe(403);

        const upKey = `${fresh()}/late-upload.bin`;
        const up = await past.store.signedUpload(upKey, { expiresInS: 60, contentType: 'video/mp4', maxBytes: 100 });
        const put = await fetch(up.url, { method: 'PUT', headers: up.headers, body: Buffer.from('late') });
        await put.arrayBuffer();
        expect(put.status).toBe(403);
        expect(await past.store.head(upKey)).toBeUndefined();
      } finally {
        await past.stop();
      }
    });
  });
}
