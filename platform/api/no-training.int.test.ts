import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const serverEntry = new URL('./server.ts', import.meta.url).pathname;
const hook = new URL('./testing/module-log.hook.ts', import.meta.url).pathname;

describe('the API server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-modules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a feed without loading TensorFlow.js or anything under training/', async () => {
    const log = join(dir, 'modules.txt');
    const child = spawn(process.execPath, ['--import', hook, serverEntry], {
      env: {
        ...process.env,
        MODULE_LOG: log,
        PORT: '0',
        LOG_LEVEL: 'warn',
        EMBEDDED_WORKERS: 'true',
        DATA_DIR: dir,
        METADATA_URL: `sqlite://${join(dir, 'foryou.db')}`,
        OBJECTS_URL: `file://${join(dir, 'objects')}`,
        EVENTS_URL: `sqlite://${join(dir, 'events.db')}`,
        QUEUE_URL: `sqlite://${join(dir, 'queue.db')}`,
        FEATURES_URL: `sqlite://${join(dir, 'features.db')}`,
        CACHE_URL: 'memory://',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line:\n${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /FORYOU_LISTENING (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const feed = await fetch(`${base}/api/v1/feed?feed_type=for_you`, { headers: { 'x-device-id': 'dev-1' } });
    expect(feed.status).toBe(200);
    child.kill('SIGTERM');
    await exited;
    const modules = readFileSync(log, 'utf8').split('\n');
    // The hook saw the serving stack, so an empty list cannot pass.
    expect(modules.some((m) => m.includes('/feed/pipeline/runner.ts'))).toBe(true);
    expect(modules.some((m) => m.includes('onnxruntime-node'))).toBe(true);
    expect(modules.filter((m) => m.includes('@tensorflow'))).toEqual([]);
    expect(modules.filter((m) => /\/training\//.test(m))).toEqual([]);
  });
});
