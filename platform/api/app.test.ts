import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGAGEMENT_GROUPS, ENGAGEMENT_TOPIC } from '../engagement/events.ts';
import { buildTestApp, METRICS_AUTH } from './testing/harness.ts';

describe('the HTTP shell', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp('embedded', 'shell');
  });
  afterAll(async () => t?.cleanup());

  it('answers /healthz and /readyz with every backend', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(
      ready
        .json()
        .backends.map((b: { name: string }) => b.name)
        .sort(),
    ).toEqual(['cache', 'events', 'metadata', 'objects', 'queue'].sort());
  });

  it('reports 503 on /readyz once draining has begun', async () => {
    const other = await buildTestApp('embedded', 'shell-drain');
    other.beginShutdown();
    const res = await other.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('shutting_down');
    await other.cleanup();
  });

  it('echoes a well-formed x-request-id and makes one otherwise', async () => {
    const given = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-12345678' } });
    expect(given.headers['x-request-id']).toBe('trace-12345678');
    const made = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-z]{26}$/);
  });

  it('answers an unknown route with 404 NOT_FOUND as JSON', async () => {
    const res = await t.app.inject('/api/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'NOT_FOUND' });
    expect(res.json().error.request_id).toMatch(/^[0-9a-z]{26}$/);
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"handle":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_JSON');
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ handle: 'x', password: 'y'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unsupported content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('serves Prometheus metrics with request counts by route', async () => {
    await t.app.inject('/healthz');
    const res = await t.app.inject({ url: '/metrics', headers: METRICS_AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/foryou_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toContain('process_resident_memory_bytes');
  });

  it('keeps /metrics from the public: 401 without credentials, 403 for a non-admin, 401 for a wrong token', async () => {
    expect((await t.app.inject('/metrics')).statusCode).toBe(401);
    expect(
      (await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer not-the-metrics-token' } })).statusCode,
    ).toBe(401);
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: 'plain_viewer', password: 'long enough pw' },
    });
    const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${reg.json().token}` } });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'FORBIDDEN']);
  });

  it("reports each engagement consumer group's lag behind the event log", async () => {
    const metric = async (group: string) => {
      const body = (await t.app.inject({ url: '/metrics', headers: METRICS_AUTH })).body;
      const m = new RegExp(`foryou_consumer_lag_events\\{group="${group}"\\} (\\d+)`).exec(body);
      if (!m) throw new Error(`no lag reported for ${group}:\n${body.slice(0, 500)}`);
      return Number(m[1]);
    };
    const before = await metric(ENGAGEMENT_GROUPS.views);
    await t.deps.events.append(ENGAGEMENT_TOPIC, [{ key: 'lag-probe', value: { v: 1 } }]);
    expect(await metric(ENGAGEMENT_GROUPS.views)).toBe(before + 1);
    expect(await metric(ENGAGEMENT_GROUPS.features)).toBeGreaterThanOrEqual(1);
  });

  it('serves OpenAPI docs generated from the route schemas', async () => {
    const spec = (await t.app.inject('/docs/json')).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.paths['/api/v1/auth/register'].post.requestBody).toBeDefined();
    expect((await t.app.inject('/docs')).statusCode).toBeLessThan(400);
  });
});
