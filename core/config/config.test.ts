import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded backends with no servers', () => {
    const c = loadConfig({});
    expect(c.METADATA_URL).toBe('sqlite://./data/foryou.db');
    expect(c.OBJECTS_URL).toBe('file://./data/objects');
    expect(c.EVENTS_URL).toBe('sqlite://./data/events.db');
    expect(c.QUEUE_URL).toBe('sqlite://./data/queue.db');
    expect(c.CACHE_URL).toBe('memory://');
    expect(c.PORT).toBe(8080);
  });

  it('returns a frozen object', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', METADATA_URL: 'not a url', LOG_LEVEL: 'loud', SIGNING_SECRET: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.join('\n');
    for (const v of ['PORT', 'METADATA_URL', 'LOG_LEVEL', 'SIGNING_SECRET']) expect(issues).toContain(v);
  });

  it('reads a YAML file named by FORYOU_CONFIG, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'foryou-config-'));
    const file = join(dir, 'foryou.yaml');
    writeFileSync(file, 'PORT: 9000\nCACHE_URL: redis://127.0.0.1:6379\n');
    const c = loadConfig({ FORYOU_CONFIG: file, PORT: '9100' });
    expect(c.PORT).toBe(9100);
    expect(c.CACHE_URL).toBe('redis://127.0.0.1:6379');
  });

  it('rejects a missing config file with its path', () => {
    expect(() => loadConfig({ FORYOU_CONFIG: '/nonexistent/foryou.yaml' })).toThrow(/file not found/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8080);
  });

  it('refuses a simulated clock in production or with separate worker processes', () => {
    expect(loadConfig({ SIM_CLOCK: 'true' }).SIM_CLOCK).toBe(true);
    expect(() => loadConfig({ SIM_CLOCK: 'true', NODE_ENV: 'production' })).toThrow(/SIM_CLOCK.*production/);
    expect(() => loadConfig({ SIM_CLOCK: 'true', EMBEDDED_WORKERS: 'false' })).toThrow(/SIM_CLOCK.*EMBEDDED_WORKERS/);
  });

  it('runs several API processes only with a shared cache, and sheds past 64 in flight by default', () => {
    expect(loadConfig({}).API_PROCESSES).toBe(1);
    expect(loadConfig({}).API_MAX_IN_FLIGHT).toBe(64);
    expect(loadConfig({}).API_HEAP_GROWING_PERCENT).toBe(50);
    expect(loadConfig({ API_HEAP_GROWING_PERCENT: '0' }).API_HEAP_GROWING_PERCENT).toBe(0);
    expect(() => loadConfig({ API_HEAP_GROWING_PERCENT: '-1' })).toThrow(/API_HEAP_GROWING_PERCENT/);
    expect(loadConfig({ API_PROCESSES: '2', CACHE_URL: 'redis://127.0.0.1:6379' }).API_PROCESSES).toBe(2);
    expect(() => loadConfig({ API_PROCESSES: '2' })).toThrow(/API_PROCESSES.*shared cache/);
    expect(() => loadConfig({ API_PROCESSES: '0' })).toThrow(/API_PROCESSES/);
  });
});
