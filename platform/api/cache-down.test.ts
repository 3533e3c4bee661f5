import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../../core/cache/ports.ts';
import { type BuiltApp, buildApp } from './app.ts';
import type { AppDeps } from './deps.ts';
import { openTestDeps } from './testing/harness.ts';

/**
 * The whole app with its cache unreachable (as ioredis fails while Redis is down): the session cache
 * and the rate-limit counters live there, yet signed-in reads go on (sessions from the metadata store,
 * counters skipped for reads) while writes are refused with 503 and Retry-After, not acknowledged.
 */
describe('the API while its cache is down', () => {
  let deps: AppDeps;
  let built: BuiltApp;
  let cleanup: () => Promise<void>;
  let cacheDown = false;
  let token: string;

  beforeAll(async () => {
    const opened = await openTestDeps('embedded', 'api-cache-down');
    deps = opened.deps;
    cleanup = opened.cleanup;
    const real = deps.cache;
    deps.cache = new Proxy(real, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== 'function' || prop === 'close') return typeof v === 'function' ? v.bind(target) : v;
        return (...args: unknown[]) =>
          cacheDown
            ? Promise.reject(Object.assign(new Error('Connection is closed.'), { name: 'Error' }))
            : v.apply(target, args);
      },
    }) as Cache;
    built = await buildApp(deps);
    const res = await built.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: 'cache_down_viewer', password: 'correct horse battery' },
    });
    token = res.json().token;
    cacheDown = true;
  });
  afterAll(async () => {
    await built?.app.close();
    await cleanup?.();
  });

  it('answers a signed-in viewer’s reads: the account and a feed page', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const me = await built.app.inject({ url: '/api/v1/me', headers: auth });
    expect(me.statusCode).toBe(200);
    const feed = await built.app.inject({ url: '/api/v1/feed?limit=5', headers: auth });
    expect(feed.statusCode).toBe(200);
  });

  it('refuses a write that needs the cache with 503 and Retry-After', async () => {
    const res = await built.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: 'cache_down_newcomer', password: 'correct horse battery' },
    });
    expect([res.statusCode, res.headers['retry-after'], res.json().error.code]).toEqual([
      503,
      '2',
      'BACKEND_UNAVAILABLE',
    ]);
  });
});
