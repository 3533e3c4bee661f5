import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePortSync } from '../sim/free-port.ts';
import type { PlatformProcess } from '../sim/platform-process.ts';
import { runDemo } from './demo.ts';
import { screenshotDemoFeed } from './demo-screenshot.ts';

// A small demo end to end (real clips, simulated users over HTTP, training on the platform's own log),
// then the demo feed in Debian's Chromium with its "why this video" panel open. With
// FORYOU_WRITE_DOCS=1 the screenshot replaces docs/demo-feed.png.
describe('the demo feed in the browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-demo-browser-'));
  let platform: PlatformProcess | undefined;
  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the demo login a personalised feed whose why-panel names the sources and the learned interest', async () => {
    const demo = await runDemo({
      dataDir: join(dir, 'data'),
      port: await freePortSync(),
      videos: 40,
      users: 24,
      days: 2,
      quiet: true,
    });
    platform = demo.platform;
    // The 40 seeded clips and the uploads of the simulated days.
    expect(demo.result.videos).toBeGreaterThanOrEqual(40);
    const out =
      process.env.FORYOU_WRITE_DOCS === '1'
        ? new URL('../docs/demo-feed.png', import.meta.url).pathname
        : join(dir, 'demo-feed.png');
    const panel = await screenshotDemoFeed(demo.result.url, out, demo.result.login);
    expect(panel).toMatch(/Found by: /);
    expect(panel).toMatch(/Your learned interest in #\w+: [+-]\d/);
    expect(statSync(out).size).toBeGreaterThan(10_000);
  }, 600_000);
});
