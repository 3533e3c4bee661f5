import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../api/error-handler.ts';
import { type AssetTable, loadAssets } from './assets.ts';
import { WEB_CACHE_CONTROL, webRoutes } from './web.routes.ts';

let app: FastifyInstance;
let table: AssetTable;

beforeAll(async () => {
  table = loadAssets();
  app = Fastify();
  installErrorHandling(app);
  await app.register(webRoutes(table));
  await app.ready();
});
afterAll(() => app.close());

describe('web routes', () => {
  it('serves the page at / with a short cache, an ETag, a CSP and versioned asset URLs', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe(WEB_CACHE_CONTROL.page);
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.body).toContain(`/app/${table.version}/main.ts`);
    expect(res.body).toContain(`/app/${table.version}/vendor/hls.min.js`);
    expect(res.body).not.toContain('{{APP}}');
  });

  it('serves the typed API client beside the page, and every import of a served module resolves to a served file', () => {
    for (const f of ['index.ts', 'client.ts', 'errors.ts', 'events.ts', 'retry.ts'])
      expect(table.files.has(`shared/client/${f}`), f).toBe(true);
    const api = table.files.get('api.ts')!.body.toString('utf8');
    expect(api).toMatch(/from\s*['"]\.\/shared\/client\/index\.ts['"]/);
    for (const [name, a] of table.files) {
      if (!name.endsWith('.ts')) continue;
      for (const m of a.body.toString('utf8').matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = new URL(m[1]!, `https://x/app/${name}`).pathname.slice('/app/'.length);
        expect(table.files.has(target), `${name} imports ${m[1]}`).toBe(true);
      }
    }
  });

  it('answers 304 to a matching If-None-Match and 200 to a stale one', async () => {
    const first = await app.inject({ method: 'GET', url: '/' });
    const etag = String(first.headers.etag);
    const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const stale = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '"old"' } });
    expect(stale.statusCode).toBe(200);
  });

  it('serves client modules as JavaScript with their types stripped, cached for a year', async () => {
    const res = await app.inject({ method: 'GET', url: `/app/${table.version}/feed.ts` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe(WEB_CACHE_CONTROL.versioned);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('export class Feed');
    expect(res.body).not.toMatch(/\binterface Slot\b|import type|: Promise<void>/);
  });

  it('serves styles as CSS and hls.js from its npm package', async () => {
    const css = await app.inject({ method: 'GET', url: `/app/${table.version}/styles.css` });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const hls = await app.inject({ method: 'GET', url: `/app/${table.version}/vendor/hls.min.js` });
    expect(hls.statusCode).toBe(200);
    expect(hls.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(hls.body.length).toBeGreaterThan(100_000);
  });

  it('serves an asset of another version with no-cache, so a page from before a deploy still loads', async () => {
    const res = await app.inject({ method: 'GET', url: '/app/0123456789ab/styles.css' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe(WEB_CACHE_CONTROL.stale);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  const bad = [
    '/app/VERSION/../../web.routes.ts',
    '/app/VERSION/..%2f..%2fweb.routes.ts',
    '/app/VERSION/%2e%2e/%2e%2e/package.json',
    '/app/VERSION/..\\..\\package.json',
    '/app/VERSION/web.routes.ts',
    '/app/VERSION/index.html',
    '/app/VERSION/nope.js',
    '/app/VERSION/public/styles.css',
    '/app/VERSION/styles.css%00.js',
    '/app/VERSION/',
    '/app/not-a-version/styles.css',
    '/app/VERSION//etc/passwd',
    `/app/VERSION/${'a/'.repeat(300)}x.js`,
  ];
  it.each(bad)('answers 404 NOT_FOUND, never 5xx, for %s', async (path) => {
    const res = await app.inject({ method: 'GET', url: path.replace('VERSION', table.version) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
