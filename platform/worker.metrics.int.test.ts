import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedUrls } from '../core/config/embedded-urls.ts';
import { openEventLog } from '../core/events/open.ts';
import { parseMetricsText } from '../core/testing/telemetry.ts';
import { ENGAGEMENT_TOPIC } from './engagement/events.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('worker process /metrics (WORKER_METRICS_PORT)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-worker-metrics-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("exports the consumers' counters, which live in the worker, not in the API", async () => {
    const port = await freePort();
    const eventsUrl = `sqlite://${dir}/events.db?pollMs=20`;
    child = spawn(process.execPath, [new URL('./worker.main.ts', import.meta.url).pathname], {
      env: {
        ...process.env,
        ...embeddedUrls(dir),
        EVENTS_URL: eventsUrl,
        SIGNING_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'warn',
        WORKER_METRICS_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    for (let i = 0; i < 300 && !out.includes('foryou worker running'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('foryou worker running');

    const log = await openEventLog(eventsUrl);
    await log.append(ENGAGEMENT_TOPIC, [{ key: 'x', value: 'not an event' }]);
    await log.close();
    const series = 'foryou_dead_letters_total{group="engagement-views",reason="malformed"}';
    let metrics = new Map<string, number>();
    for (let i = 0; i < 200 && !metrics.has(series); i++) {
      await new Promise((r) => setTimeout(r, 50));
      metrics = parseMetricsText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    }
    expect(metrics.get(series), out).toBe(1);
    expect(metrics.get('foryou_events_consumed_total{group="engagement-features"}')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    // The dead letter was also logged (warn) on the worker's stdout, as a JSON line.
    expect(out).toMatch(/"component":"consumer".*"msg":"events dead-lettered"/);

    const exited = new Promise((r) => child!.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
