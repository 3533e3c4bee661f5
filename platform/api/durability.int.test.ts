import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { dropTestSchema, testPostgresUrl } from '../../core/testing/postgres.ts';
import { startServerProcess } from './testing/server-process.ts';

const cases = [
  ['SQLite', (dir: string) => `sqlite://${dir}/foryou.db`],
  ['PostgreSQL', () => testPostgresUrl('durability')],
] as const;

describe.each(cases)('a kill -9 of the server on %s', (_name, metadataUrl) => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-durability-'));
  const url = metadataUrl(dir);
  afterAll(async () => {
    if (url.startsWith('postgres')) await dropTestSchema(url).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged write', async () => {
    const { child, base } = await startServerProcess({
      DATA_DIR: dir,
      METADATA_URL: url,
      OBJECTS_URL: `file://${dir}/objects`,
      EVENTS_URL: `sqlite://${dir}/events.db`,
      QUEUE_URL: `sqlite://${dir}/queue.db`,
      CACHE_URL: 'memory://',
      SIGNING_SECRET: randomBytes(32).toString('hex'),
      RATE_LIMIT_IP_PER_MIN: '1000000',
      RATE_LIMIT_AUTH_PER_MIN: '1000000',
      REGISTRATIONS_PER_IP_PER_HOUR: '1000000',
    });
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const handle = `u${w}x${i}`;
        try {
          const res = await fetch(`${base}/api/v1/auth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ handle, password: 'durable pw' }),
          });
          if (res.status === 201) acknowledged.push(((await res.json()) as { user: { id: string } }).user.id);
        } catch {
          return; // the connection died with the server: this write was never acknowledged
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);

    const store = await openMetadataStore(url);
    try {
      const rows = await store.all<{ id: string }>('SELECT id FROM users');
      const stored = new Set(rows.map((r) => r.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 90_000);
});
