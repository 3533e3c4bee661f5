import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './testing/harness.ts';

/** Sends raw bytes or an over-long request and returns the status and body Node's parser left us. */
function send(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Requests Node's HTTP parser refuses before fastify routes them (found by bench:chaos fuzzing: a
 * 100 kB query string answered fastify's own `{"error":"Request Header Fields Too Large"}` without a
 * registry code) answer in the documented error shape.
 */
describe('requests the HTTP parser refuses', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let port = 0;
  beforeAll(async () => {
    t = await buildTestApp('embedded', 'client-error');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => t?.cleanup());

  it('answers an over-long request line with 431 HEADERS_TOO_LARGE', async () => {
    const res = await send(port, `/api/v1/feed?cursor=${'x'.repeat(100_000)}`);
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
  });
});
