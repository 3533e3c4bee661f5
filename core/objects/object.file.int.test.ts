import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectsRoutes } from '../../platform/api/objects.routes.ts';
import type { Clock } from '../clock.ts';
import { isAppError } from '../errors/registry.ts';
import { describeObjectStoreContract } from './object.contract.ts';
import { openObjectStore } from './open.ts';
import type { ObjectStore } from './ports.ts';

/**
 * A temp-directory store whose signed URLs hit a real fastify server running the objects routes. The server
 * gets its own store instance over the same directory, as a separate API process would.
 */
async function openFileFixture({ clock }: { clock: Clock }) {
  const dir = await mkdtemp(join(tmpdir(), 'foryou-objects-'));
  const url = pathToFileURL(dir).href;
  const secret = randomBytes(32).toString('hex');
  const served = await openObjectStore(url, { publicBaseUrl: 'http://127.0.0.1:1', secret });
  const app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    if (isAppError(err)) return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    return reply.code(500).send({ error: { code: 'INTERNAL', message: String(err) } });
  });
  await app.register(objectsRoutes({ objects: served, secret }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const store = await openObjectStore(url, { publicBaseUrl: base, secret, clock });
  return {
    dir,
    store,
    async stop() {
      await app.close();
      await store.close();
      await served.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeObjectStoreContract('file', openFileFixture);

describe('file object store specifics', () => {
  let fx: Awaited<ReturnType<typeof openFileFixture>>;
  let store: ObjectStore;
  beforeAll(async () => {
    fx = await openFileFixture({ clock: { now: () => Date.now() } });
    store = fx.store;
  });
  afterAll(() => fx.stop());

  it('keeps objects as plain files under the root and leaves no temp files behind', async () => {
    await store.put('plain/one.txt', Buffer.from('one'));
    expect((await readdir(join(fx.dir, 'plain'))).sort()).toEqual(['one.txt']);
    expect(await readdir(join(fx.dir, '.tmp'))).toEqual([]);
  });

  it('leaves nothing when a streamed body fails midway', async () => {
    const { Readable } = await import('node:stream');
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(1000, 1);
        throw new Error('client went away');
      })(),
    );
    await expect(store.put('broken/upload.bin', failing)).rejects.toThrow('client went away');
    expect(await store.head('broken/upload.bin')).toBeUndefined();
    expect(await readdir(join(fx.dir, '.tmp'))).toEqual([]);
  });

  it('refuses a key that is both an object and a folder, with a clear error', async () => {
    await store.put('clash/a', Buffer.from('file'));
    const under = await store.put('clash/a/b', Buffer.from('x')).catch((e: unknown) => e);
    expect(isAppError(under, 'VALIDATION_FAILED') && under.message).toMatch(/itself an object/);
    await store.put('clash2/a/b', Buffer.from('x'));
    const over = await store.put('clash2/a', Buffer.from('x')).catch((e: unknown) => e);
    expect(isAppError(over, 'VALIDATION_FAILED') && over.message).toMatch(/folder of other objects/);
  });

  it('frees a folder once its last object is deleted, so the name can become an object', async () => {
    await store.put('reuse/a/b', Buffer.from('x'));
    await store.delete('reuse/a/b');
    await store.put('reuse/a', Buffer.from('now a file'));
    expect((await store.getBuffer('reuse/a')).toString()).toBe('now a file');
  });

  it('derives the etag and a default type for a file dropped in by hand', async () => {
    await writeFile(join(fx.dir, 'manual.txt'), 'by hand');
    const info = await store.head('manual.txt');
    expect(info).toMatchObject({ size: 7, contentType: 'application/octet-stream' });
    expect(info?.etag).toBe((await store.put('compare.txt', Buffer.from('by hand'))).etag);
  });

  it('lists neither its sidecars nor its temp files', async () => {
    const all = await store.list('');
    expect(all.some((k) => k.startsWith('.'))).toBe(false);
  });

  it('needs a publicBaseUrl and a secret of at least 32 characters', async () => {
    const url = pathToFileURL(fx.dir).href;
    await expect(openObjectStore(url, { publicBaseUrl: 'nope', secret: 'x'.repeat(32) })).rejects.toThrow(
      /publicBaseUrl/,
    );
    await expect(openObjectStore(url, { publicBaseUrl: 'http://a', secret: 'short' })).rejects.toThrow(/secret/);
  });

  it('opens relative file:// URLs against the working directory', async () => {
    const rel = await openObjectStore('file://./node_modules/.cache/foryou-objects-test', {
      publicBaseUrl: 'http://a',
      secret: 'x'.repeat(32),
    });
    expect((rel as unknown as { root: string }).root).toBe(
      join(process.cwd(), 'node_modules/.cache/foryou-objects-test'),
    );
    await rm(join(process.cwd(), 'node_modules/.cache/foryou-objects-test'), { recursive: true, force: true });
  });

  it('rejects an unknown scheme', async () => {
    await expect(openObjectStore('ftp://x', { publicBaseUrl: 'http://a', secret: 'x'.repeat(32) })).rejects.toThrow(
      /unsupported scheme/,
    );
  });
});
