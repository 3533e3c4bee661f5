import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/config.ts';
import { embeddedUrls } from '../../core/config/embedded-urls.ts';
import { startServerProcess } from '../api/testing/server-process.ts';
import { backup, restore } from './backup.ts';

const embedded = (dir: string, secret: string) => ({
  ...embeddedUrls(dir),
  SIGNING_SECRET: secret,
  EMBEDDED_WORKERS: 'false',
  REGISTRATIONS_PER_IP_PER_HOUR: '100000',
  RATE_LIMIT_AUTH_PER_MIN: '100000',
  RATE_LIMIT_IP_PER_MIN: '100000',
});

describe('foryou-admin backup and restore of the embedded data directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'foryou-backup-'));
  const [live, saved, restored] = ['live', 'saved', 'restored'].map((d) => join(root, d)) as [string, string, string];
  const secret = randomBytes(32).toString('hex');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('backs up while the server takes writes, and a server on the restored directory has them', async () => {
    const server = await startServerProcess(embedded(live, secret));
    const post = (base: string, path: string, body: unknown, token?: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const reg = await post(server.base, '/api/v1/auth/register', { handle: 'kept_user', password: 'kept password' });
    const { token } = (await reg.json()) as { token: string };
    const draft = (await (await post(server.base, '/api/v1/videos', { caption: 'kept draft' }, token)).json()) as {
      video_id: string;
      upload_url: string;
    };
    const put = await fetch(draft.upload_url.replace(/^https?:\/\/[^/]+/, server.base), {
      method: 'PUT',
      headers: { 'content-type': 'video/mp4' },
      body: new Uint8Array(4096),
    });
    expect(put.status).toBeLessThan(300);
    // Writers keep going during the backup.
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++)
        await post(server.base, '/api/v1/auth/register', { handle: `during_${i}`, password: 'x password' });
    })();
    const manifest = backup(loadConfig(embedded(live, secret)), saved);
    stop = true;
    await writer;
    server.child.kill('SIGTERM');
    await server.exited;
    expect(manifest.databases.map((d) => d.key).sort()).toEqual([
      'EVENTS_URL',
      'FEATURES_URL',
      'METADATA_URL',
      'QUEUE_URL',
    ]);
    expect(manifest.files.some((f) => f.path.startsWith('objects/'))).toBe(true);

    restore(loadConfig(embedded(restored, secret)), saved);
    // The restored search index points at the restored rows.
    const meta = new DatabaseSync(join(restored, 'foryou.db'));
    try {
      const hits = meta
        .prepare(`SELECT v.id FROM videos_fts f JOIN videos v ON v.rowid = f.rowid WHERE videos_fts MATCH 'kept'`)
        .all() as { id: string }[];
      expect(hits.map((h) => h.id)).toEqual([draft.video_id]);
    } finally {
      meta.close();
    }
    expect(() => restore(loadConfig(embedded(restored, secret)), saved)).toThrow(/exists/);
    const again = await startServerProcess(embedded(restored, secret));
    try {
      const login = await post(again.base, '/api/v1/auth/login', { handle: 'kept_user', password: 'kept password' });
      expect(login.status).toBe(200);
      const t2 = ((await login.json()) as { token: string }).token;
      const video = await fetch(`${again.base}/api/v1/videos/${draft.video_id}`, {
        headers: { authorization: `Bearer ${t2}` },
      });
      expect(video.status).toBe(200);
      // The uploaded source came back with the rows: completing the upload finds it.
      const complete = await post(again.base, `/api/v1/videos/${draft.video_id}/complete`, {}, t2);
      expect(complete.status).toBe(202);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  }, 120_000);

  it('refuses a damaged backup', () => {
    const m = JSON.parse(readFileSync(join(saved, 'backup.json'), 'utf8'));
    expect(m.files.length).toBeGreaterThan(0);
    writeFileSync(join(saved, m.files[0].path), 'damaged');
    expect(() => restore(loadConfig(embedded(join(root, 'other'), secret)), saved)).toThrow(/damaged/);
  });
});
