import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedUrls } from '../../core/config/embedded-urls.ts';
import { cleanupTestRedis, testRedisUrl } from '../../core/testing/redis.ts';
import { waitFor } from '../../core/testing/wait-for.ts';
import { startServerProcess } from './testing/server-process.ts';

describe('API_PROCESSES: a node cluster on one port', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-cluster-'));
  const cache = testRedisUrl('cluster');
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cleanupTestRedis(cache);
  });

  it('serves from two API processes, runs the background services once, and drains on SIGTERM', async () => {
    const server = await startServerProcess({
      ...embeddedUrls(dir),
      CACHE_URL: cache,
      SIGNING_SECRET: randomBytes(32).toString('hex'),
      EMBEDDED_WORKERS: 'true',
      API_PROCESSES: '2',
      LOG_LEVEL: 'info',
    });
    // A session made in one process is valid in the other: they share the metadata store and the cache.
    const reg = await fetch(`${server.base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'clustered', password: 'a long password' }),
    });
    expect(reg.status).toBe(201);
    const { token } = (await reg.json()) as { token: string };
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${server.base}/api/v1/feed?limit=5`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        ),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
    // Two API processes listening, the consumers started once (by the primary). The second worker may log
    // its listening line after the first one has already answered every request above.
    await waitFor(
      'both API processes to listen',
      () => server.output().match(/foryou listening on/g)?.length === 3,
      30_000,
    );
    server.child.kill('SIGTERM');
    const code = await server.exited;
    if (code !== 0) console.error(server.output());
    expect(code).toBe(0);
    expect(server.output().match(/engagement-views stopped/g)?.length).toBe(1);
    expect(server.output()).toContain('ports closed');
  }, 60_000);
});
