import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './testing/harness.ts';

/**
 * Every route of the app, found at build time, gets a table of malformed ids, bodies and headers.
 * None may answer 5xx, and every 4xx carries a registry code. New routes join the table by existing.
 */
const BAD_IDS = [
  '',
  'x'.repeat(300),
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '-1',
  '00000000000000000000000000',
  '%F0%9F%92%A9',
];
const BAD_BODIES: [string, string | undefined][] = [
  ['not json', 'application/json'],
  ['{"unterminated":', 'application/json'],
  ['[]', 'application/json'],
  ['null', 'application/json'],
  ['{"content":123,"caption":[],"hashtags":"x","privacy":"weird","limit":-5,"video_id":{}}', 'application/json'],
  [JSON.stringify({ a: { b: { c: { d: { e: { f: 'deep' } } } } } }), 'application/json'],
  ['\u0000\u0001binary', 'application/octet-stream'],
  ['a=1&b=2', 'application/x-www-form-urlencoded'],
];
const SKIP = (url: string) => url.startsWith('/docs') || url === '/metrics' || url === '*';

describe('malformed input on every route', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let token = '';
  beforeAll(async () => {
    t = await buildTestApp('embedded', 'malformed', {
      RATE_LIMIT_IP_PER_MIN: '1000000',
      RATE_LIMIT_USER_PER_MIN: '1000000',
      RATE_LIMIT_AUTH_PER_MIN: '1000000',
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: 'fuzzer', password: 'long enough pw' },
    });
    token = res.json().token;
  });
  afterAll(async () => t?.cleanup());

  it('has routes to test', () => {
    expect(t.routes.filter((r) => !SKIP(r.url)).length).toBeGreaterThan(5);
  });

  it('never answers 5xx, and every 4xx has a registry code', async () => {
    const failures: string[] = [];
    const routes = t.routes.filter((r) => !SKIP(r.url) && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    for (const route of routes) {
      const urls = /[:*]/.test(route.url)
        ? BAD_IDS.map((id) => route.url.replace(/:[A-Za-z_]+/g, id).replace('*', id || 'x'))
        : [route.url];
      for (const url of urls) {
        for (const auth of [undefined, `Bearer ${token}`, 'Bearer !!!', 'Basic x']) {
          const headers: Record<string, string> = auth ? { authorization: auth } : {};
          const bodies: [string | undefined, string | undefined][] =
            route.method === 'GET' || route.method === 'DELETE' ? [[undefined, undefined]] : BAD_BODIES;
          for (const [payload, type] of bodies) {
            const res = await t.app.inject({
              method: route.method as 'GET',
              url: `${url}${url.includes('?') ? '&' : '?'}limit=abc&cursor=%%%`,
              headers: type ? { ...headers, 'content-type': type } : headers,
              payload,
            });
            const where = `${route.method} ${url} auth=${auth ?? '-'} body=${payload?.slice(0, 20) ?? '-'}`;
            if (res.statusCode >= 500) failures.push(`${where} → ${res.statusCode} ${res.body.slice(0, 200)}`);
            else if (res.statusCode >= 400 && !/^[A-Z_]+$/.test(res.json()?.error?.code ?? '')) {
              failures.push(`${where} → ${res.statusCode} without a code: ${res.body.slice(0, 120)}`);
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);
});
