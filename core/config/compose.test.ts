import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig } from './config.ts';

const root = new URL('../../', import.meta.url);
// `merge`: a service may extend the shared environment with YAML's `<<` merge key.
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; volumes?: string[] }>;
};
const services = compose.services;
const BACKEND_URLS = ['METADATA_URL', 'OBJECTS_URL', 'EVENTS_URL', 'QUEUE_URL', 'CACHE_URL', 'FEATURES_URL'] as const;

describe('docker-compose.yml (scaled mode)', () => {
  it('names every service the scaled mode needs', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'kafka', 'minio', 'nginx', 'postgres', 'ranking', 'redis', 'retrieval', 'worker'].sort(),
    );
  });

  it.each(['api', 'worker'])('gives %s every backend URL, the secret and the public URL', (name) => {
    const env = services[name]!.environment!;
    for (const key of [...BACKEND_URLS, 'SIGNING_SECRET', 'PUBLIC_BASE_URL', 'EMBEDDED_WORKERS']) {
      expect(env, key).toHaveProperty(key);
    }
  });

  it.each(['api', 'worker'])('%s uses only variables the config schema knows, with values it accepts', (name) => {
    const env = { ...services[name]!.environment! };
    env.SIGNING_SECRET = env.SIGNING_SECRET!.replace(/^\$\{SIGNING_SECRET:-(.*)\}$/, '$1');
    for (const key of Object.keys(env)) expect(Object.keys(configSchema.shape)).toContain(key);
    const config = loadConfig(env);
    expect(config.EMBEDDED_WORKERS).toBe(false);
  });

  it('points each backend URL at a compose service with the scaled scheme', () => {
    const env = services.api!.environment!;
    const expected: Record<string, [string, string]> = {
      METADATA_URL: ['postgres:', 'postgres'],
      EVENTS_URL: ['kafka:', 'kafka'],
      QUEUE_URL: ['redis:', 'redis'],
      CACHE_URL: ['redis:', 'redis'],
      FEATURES_URL: ['redis:', 'redis'],
    };
    for (const [key, [scheme, host]] of Object.entries(expected)) {
      const u = new URL(env[key]!);
      expect(u.protocol, key).toBe(scheme);
      expect(u.hostname, key).toBe(host);
      expect(services, key).toHaveProperty(host);
    }
    const objects = new URL(env.OBJECTS_URL!);
    expect(objects.protocol).toBe('s3:');
    expect(new URL(objects.searchParams.get('endpoint')!).hostname).toBe('minio');
  });

  it('refers only to files that exist in the repository', () => {
    expect(existsSync(new URL('Dockerfile', root))).toBe(true);
    for (const name of ['worker', 'retrieval', 'ranking']) {
      const entry = services[name]!.command!.find((a) => a.endsWith('.ts'))!;
      expect(existsSync(new URL(entry, root)), entry).toBe(true);
    }
    for (const v of services.nginx!.volumes ?? []) {
      const src = v.split(':')[0]!;
      expect(existsSync(new URL(src, root)), src).toBe(true);
    }
  });
});
