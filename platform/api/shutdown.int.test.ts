import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedUrls } from '../../core/config/embedded-urls.ts';
import { waitFor } from '../../core/testing/wait-for.ts';
import { startServerProcess } from './testing/server-process.ts';

describe('graceful shutdown on SIGTERM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-shutdown-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finishes in-flight requests, stops every background service and exits 0', async () => {
    const server = await startServerProcess({
      ...embeddedUrls(dir),
      SIGNING_SECRET: randomBytes(32).toString('hex'),
      EMBEDDED_WORKERS: 'true',
      LOG_LEVEL: 'info',
    });
    // Registration hashes a password (tens of ms), so these are in flight when the signal lands.
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      fetch(`${server.base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: `drain_${i}`, password: 'a long password' }),
      }).then((r) => r.status),
    );
    // Signal once the server has received all six (request logging is on), not after a guessed pause: on a
    // loaded machine a SIGTERM sent too early closes the listener before a request is accepted.
    await waitFor(
      'the server to receive the six requests',
      () => server.output().split('incoming request').length > 6,
      10_000,
    );
    server.child.kill('SIGTERM');
    expect(await Promise.all(inFlight)).toEqual([201, 201, 201, 201, 201, 201]);
    const code = await server.exited;
    if (code !== 0) console.error(server.output());
    expect(code).toBe(0);
    expect(server.output()).toContain('draining');

    // Every background service was stopped (consumers commit their last batch on stop) and the ports closed.
    for (const name of ['transcode', 'engagement-views', 'engagement-features', 'engagement-counter-flush']) {
      expect(server.output()).toContain(`${name} stopped`);
    }
    expect(server.output()).toContain('ports closed');
  }, 60_000);
});
