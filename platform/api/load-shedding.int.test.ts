import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Telemetry } from '../../core/telemetry/telemetry.ts';
import { installErrorHandling } from './error-handler.ts';
import { installLoadShedding } from './load-shedding.ts';

/** A listening app whose /slow answers when `release()` is called; /healthz answers at once. */
async function slowApp(maxInFlight: number) {
  const telemetry = new Telemetry({ level: 'silent', processMetrics: false });
  const app = Fastify();
  installErrorHandling(app);
  installLoadShedding(app, maxInFlight, telemetry);
  const waiting: (() => void)[] = [];
  app.get('/slow', async () => {
    await new Promise<void>((r) => waiting.push(r));
    return { ok: true };
  });
  app.get('/healthz', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const until = async (n: number) => {
    while (waiting.length < n) await new Promise((r) => setTimeout(r, 2));
  };
  return { app, base, telemetry, waiting, until };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('load shedding', () => {
  it('answers 503 OVERLOADED with Retry-After past the limit, serves the admitted ones, and recovers', async () => {
    const s = await slowApp(2);
    close = () => s.app.close();
    const admitted = [fetch(`${s.base}/slow`), fetch(`${s.base}/slow`)];
    await s.until(2);
    const shed = await fetch(`${s.base}/slow`);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect((await shed.json()).error.code).toBe('OVERLOADED');
    // Probes are exempt: an overloaded node still answers its health check.
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    for (const r of s.waiting.splice(0)) r();
    expect((await Promise.all(admitted)).map((r) => r.status)).toEqual([200, 200]);
    // The slots are free again once the answers are out.
    const again = fetch(`${s.base}/slow`);
    await s.until(1);
    s.waiting.splice(0)[0]!();
    expect((await again).status).toBe(200);
    expect(await s.telemetry.registry.getSingleMetricAsString('foryou_http_shed_total')).toContain(
      'foryou_http_shed_total 1',
    );
  });

  it('frees the slot of a request whose client went away', async () => {
    const s = await slowApp(1);
    close = () => s.app.close();
    const ac = new AbortController();
    const gone = fetch(`${s.base}/slow`, { signal: ac.signal }).catch(() => 'aborted');
    await s.until(1);
    ac.abort();
    expect(await gone).toBe('aborted');
    await new Promise((r) => setTimeout(r, 20));
    const next = fetch(`${s.base}/slow`);
    await s.until(2);
    for (const r of s.waiting.splice(0)) r();
    expect((await next).status).toBe(200);
  });

  it('is off at 0', async () => {
    const s = await slowApp(0);
    close = () => s.app.close();
    const all = Array.from({ length: 5 }, () => fetch(`${s.base}/slow`));
    await s.until(5);
    for (const r of s.waiting.splice(0)) r();
    expect((await Promise.all(all)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});
