import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, testConfig } from '../../../core/config/config.ts';
import { embeddedUrls } from '../../../core/config/embedded-urls.ts';
import type { Telemetry } from '../../../core/telemetry/telemetry.ts';
import { dropTestSchema, testPostgresUrl } from '../../../core/testing/postgres.ts';
import { testRedisUrl } from '../../../core/testing/redis.ts';
import { writeTestFeedConfig } from '../../../feed/for-you/testing/feed-settings.ts';
import { type BuildAppOptions, type BuiltApp, buildApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { closeDeps, openDeps } from '../open-deps.ts';

/** The two ways foryou runs: one machine with no servers, or the distributed engines. */
export type BackendSet = 'embedded' | 'scaled';
export const BACKEND_SETS: readonly BackendSet[] = ['embedded', 'scaled'];

/** The METRICS_TOKEN of every test app: send `Authorization: Bearer` with it to read /metrics. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';
/** Headers that read /metrics of a test app. */
export const METRICS_AUTH = { authorization: `Bearer ${TEST_METRICS_TOKEN}` } as const;

/** Config for a test of one backend set, isolated from every other test (temp dir, PG schema, prefixes). */
export function testBackendConfig(set: BackendSet, name: string, overrides: Record<string, string> = {}): Config {
  const dir = mkdtempSync(join(tmpdir(), `foryou-${set}-`));
  const base = {
    DATA_DIR: dir,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
    // The frozen test settings, never the live experiments/feed.yaml.
    FEED_CONFIG_DIR: writeTestFeedConfig(join(dir, 'feed-config')),
    // Tests register and upload far more from one address than a person would; abuse tests set their own.
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    REGISTRATIONS_PER_IP_PER_HOUR: '100000',
    UPLOADS_PER_USER_PER_MIN: '100000',
    UPLOADS_PER_USER_PER_DAY: '100000',
  };
  if (set === 'embedded') {
    return testConfig({
      ...base,
      ...embeddedUrls(dir),
      ...overrides,
    });
  }
  const s3 = process.env.TEST_S3_URL;
  const kafka = process.env.TEST_KAFKA_URL;
  if (!s3 || !kafka) throw new Error('scaled tests need TEST_S3_URL and TEST_KAFKA_URL from the test global setup');
  const bucket = new URL(s3);
  bucket.host = `t-${randomBytes(6).toString('hex')}`;
  const queue = new URL(testRedisUrl(`${name}-queue`));
  queue.searchParams.set('prefix', `tq${randomBytes(6).toString('hex')}`);
  return testConfig({
    ...base,
    METADATA_URL: testPostgresUrl(name),
    OBJECTS_URL: bucket.href,
    EVENTS_URL: kafka,
    QUEUE_URL: queue.href,
    CACHE_URL: testRedisUrl(name),
    FEATURES_URL: testRedisUrl(`${name}-features`),
    ...overrides,
  });
}

/** Opened ports for a test and the cleanup that closes them and removes their data. */
export async function openTestDeps(
  set: BackendSet,
  name: string,
  overrides: Record<string, string> = {},
  opts: { telemetry?: Telemetry } = {},
): Promise<{ deps: AppDeps; cleanup: () => Promise<void> }> {
  const config = testBackendConfig(set, name, overrides);
  const deps = await openDeps(config, opts);
  return {
    deps,
    async cleanup() {
      await closeDeps(deps).catch(() => {});
      if (set === 'scaled') await dropTestSchema(config.METADATA_URL).catch(() => {});
      rmSync(config.DATA_DIR, { recursive: true, force: true });
    },
  };
}

/** A built app (not listening) over fresh ports of one backend set; pass `telemetry` to read its logs. */
export async function buildTestApp(
  set: BackendSet,
  name: string,
  overrides: Record<string, string> = {},
  opts: BuildAppOptions & { telemetry?: Telemetry } = {},
): Promise<BuiltApp & { deps: AppDeps; cleanup: () => Promise<void> }> {
  const { deps, cleanup } = await openTestDeps(
    set,
    name,
    overrides,
    opts.telemetry ? { telemetry: opts.telemetry } : {},
  );
  const built = await buildApp(deps, opts);
  return {
    ...built,
    deps,
    async cleanup() {
      await built.app.close();
      await cleanup();
    },
  };
}
