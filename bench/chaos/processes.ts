/**
 * The processes a chaos run kills and restarts: the API (`platform/api/server.ts`) and a worker
 * (`platform/worker.main.ts`) over one backend set, and the backend sets themselves: embedded (SQLite
 * and local files) and scaled (PostgreSQL, Redis, the Kafka-protocol broker, the S3-compatible server).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { embeddedUrls } from '../../core/config/embedded-urls.ts';
import { dropTestSchema, testPostgresUrl } from '../../core/testing/postgres.ts';
import { cleanupTestRedis, testRedisUrl } from '../../core/testing/redis.ts';
import { type ServerProcess, spawnCaptured, startServerProcess } from '../../platform/api/testing/server-process.ts';

const workerEntry = new URL('../../platform/worker.main.ts', import.meta.url).pathname;

/** One backend set: the env both processes get, the URLs the checker opens, and how to clean up. */
export interface Backend {
  name: string;
  /**
   * The background services (BACKGROUND_SERVICES) the API process runs in itself: none when scaled (a
   * worker process runs them all); on embedded the views consumer and the counter flush, which own the
   * counters in the API's memory cache, while a worker process beside it runs transcoding and the
   * features consumer on the same SQLite files.
   */
  apiServices: string | undefined;
  /** The services the separate worker process runs (unset: all). */
  workerServices: string | undefined;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Budgets a load generator would hit at once; the chaos run measures crashes, not abuse limits. */
const NO_LIMITS = {
  RATE_LIMIT_IP_PER_MIN: '100000000',
  RATE_LIMIT_USER_PER_MIN: '100000000',
  RATE_LIMIT_AUTH_PER_MIN: '100000000',
  REGISTRATIONS_PER_IP_PER_HOUR: '100000000',
  UPLOADS_PER_USER_PER_MIN: '100000000',
  UPLOADS_PER_USER_PER_DAY: '100000000',
  ANON_DEVICES_PER_IP_PER_HOUR: '100000000',
  INVALID_TOKENS_PER_IP_PER_MIN: '100000000',
  LOGIN_FAILURES_PER_ACCOUNT: '100000000',
  LOGIN_FAILURES_PER_IP: '100000000',
};

function common(dir: string): Record<string, string> {
  return {
    DATA_DIR: dir,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    ...NO_LIMITS,
  };
}

/** SQLite files and a local object directory in a fresh temp dir. */
export function embeddedBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-chaos-'));
  return {
    name: 'embedded',
    apiServices: 'engagement-views,engagement-counter-flush',
    workerServices: 'transcode,transcode-sweeper,engagement-features',
    env: {
      ...common(dir),
      ...embeddedUrls(dir),
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * PostgreSQL (a fresh schema) and Redis (a fresh key prefix) for metadata, queue, cache and features;
 * the Kafka-protocol broker for the event log and the S3-compatible server for objects when they start.
 */
export async function scaledBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-chaos-'));
  const pg = testPostgresUrl('chaos');
  const redis = testRedisUrl('chaos');
  const queuePrefix = `foryou-chaos-${randomBytes(6).toString('hex')}`;
  const stops: (() => Promise<void>)[] = [];
  const env: Record<string, string> = {
    ...common(dir),
    METADATA_URL: pg,
    OBJECTS_URL: `file://${dir}/objects`,
    EVENTS_URL: `sqlite://${dir}/events.db`,
    QUEUE_URL: `redis://127.0.0.1:6379/0?prefix=${queuePrefix}`,
    FEATURES_URL: redis,
    CACHE_URL: redis,
  };
  const parts = ['postgres', 'redis'];
  try {
    const kafka = await (await import('../../core/testing/kafka.server.ts')).default.start();
    stops.push(kafka.stop);
    if (kafka.env.TEST_KAFKA_URL) {
      // A killed consumer's group session must time out before a restarted worker joins: 4 s, not Kafka's 30 s.
      env.EVENTS_URL = `${kafka.env.TEST_KAFKA_URL}?partitions=3&maxWaitTime=20&sessionTimeout=4000&rebalanceTimeout=8000&heartbeatInterval=500`;
      parts.push('kafka');
    }
  } catch (err) {
    process.stderr.write(`chaos: no Kafka broker (${(err as Error).message}); events on SQLite\n`);
  }
  const s3 = await (await import('../../core/testing/s3.server.ts')).default.start();
  stops.push(s3.stop);
  if (s3.env.TEST_S3_URL) {
    const url = new URL(s3.env.TEST_S3_URL);
    url.host = `chaos-${randomBytes(4).toString('hex')}`;
    env.OBJECTS_URL = url.href;
    parts.push('s3');
  }
  return {
    name: parts.join('+'),
    apiServices: undefined,
    workerServices: undefined,
    env,
    async cleanup() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      await dropTestSchema(pg).catch(() => {});
      await cleanupTestRedis(redis).catch(() => {});
      await deleteKeys(`${queuePrefix}:*`).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes the keys matching `pattern` (a prefix of ours, no glob characters besides the final *). */
async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  redis.on('error', () => {});
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** A worker process; `ready` resolves once it says it runs (it may be killed before that). */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
  ready: Promise<void>;
}

/** Spawns a worker at once; kill it any time, await `ready` when it must be running. */
export function spawnWorker(backend: Backend): WorkerProcess {
  const env: Record<string, string> = { ...backend.env, WORKER_METRICS_PORT: '0' };
  if (backend.workerServices) env.BACKGROUND_SERVICES = backend.workerServices;
  const p = spawnCaptured(workerEntry, env);
  const ready = p.until(/foryou worker running/, 90_000, 'the worker running').then(() => {});
  ready.catch(() => {}); // a worker killed while starting is part of the run, not an error
  return { child: p.child, output: p.output, exited: p.exited, ready };
}

/** The API process, with the backend's share of the background services inside it. */
export async function startApi(backend: Backend): Promise<ServerProcess> {
  if (!backend.apiServices) return startServerProcess({ ...backend.env, EMBEDDED_WORKERS: 'false' });
  return startServerProcess({ ...backend.env, EMBEDDED_WORKERS: 'true', BACKGROUND_SERVICES: backend.apiServices });
}

/** Kills with SIGKILL and waits for the exit. */
export async function kill9(p: { child: ChildProcess; exited: Promise<number | string> }): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}

/** Stops with SIGTERM (a drain), SIGKILL after `ms`. */
export async function stopGracefully(
  p: { child: ChildProcess; exited: Promise<number | string> },
  ms = 15_000,
): Promise<void> {
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  await p.exited;
  clearTimeout(timer);
}
