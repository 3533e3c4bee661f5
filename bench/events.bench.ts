/**
 * Engagement write-path benchmark, per backend set (embedded: SQLite + memory cache + SQLite feature
 * store; scaled: PostgreSQL + Redis + Kafka (librdkafka's mock broker) + Redis feature store):
 *  - ingest: client events/s through the service layer (batches of 50, 4 concurrent callers), through
 *    fastify (`inject`, zod validation, the API's error handling; auth stubbed) with 4 and with 64 callers
 *    (`--likes-concurrency`), and likes/s;
 *  - consume: events/s the views and feature consumers fold while catching up, from their group join (and,
 *    beside it, including the join, which on Kafka waits the broker's initial rebalance delay);
 *  - lag: p50/p99 from a resolved append to the view counter and to the feature store showing it,
 *    under a light background load;
 *  - crash: a child process ingests and likes in a burst and is killed -9; acknowledged events missing
 *    from the log and acknowledged likes missing from the store are counted (`lost_after_crash`).
 * `--quick` shrinks it for CI; `--only embedded|scaled` picks one set. Writes bench/results/events.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openCache } from '../core/cache/open.ts';
import type { Cache } from '../core/cache/ports.ts';
import { systemClock } from '../core/clock.ts';
import { openEventLog } from '../core/events/open.ts';
import type { EventLog } from '../core/events/ports.ts';
import { openMetadataStore } from '../core/metadata/open.ts';
import type { MetadataStore } from '../core/metadata/ports.ts';
import { Telemetry } from '../core/telemetry/telemetry.ts';
import { dropTestSchema, testPostgresUrl } from '../core/testing/postgres.ts';
import { cleanupTestRedis, testRedisUrl } from '../core/testing/redis.ts';
import { openFeatureStore } from '../feature-store/open.ts';
import type { FeatureStore } from '../feature-store/ports.ts';
import { type ClientEvent, clientEventsService } from '../platform/engagement/client-events.service.ts';
import { featuresConsumer } from '../platform/engagement/consumers/features.consumer.ts';
import { startConsumer } from '../platform/engagement/consumers/runner.ts';
import { viewsConsumer } from '../platform/engagement/consumers/views.consumer.ts';
import { VideoCounters } from '../platform/engagement/counters.ts';
import { ENGAGEMENT_TOPIC } from '../platform/engagement/events.ts';
import { likesService } from '../platform/engagement/likes.service.ts';
import { buildTestApp } from '../platform/engagement/testing/test-app.ts';
import { argFlag, argValue, printTable, quantile, writeResults } from './report.ts';

const quick = argFlag('--quick');
const USERS = 100;
const VIDEOS = 500;
const INGEST_EVENTS = quick ? 5_000 : 50_000;
const LIKES = quick ? 1_000 : 5_000;
const PROBES = quick ? 30 : 200;
const BATCH = 50;
const CONCURRENCY = 4;
/** Concurrent likers: a node serving many viewers has many likes in flight (group commit needs them). */
const LIKE_CONCURRENCY = Number(argValue('--likes-concurrency') ?? 64);

interface Urls {
  metadata: string;
  events: string;
  cache: string;
  features: string;
}

interface Ports {
  metadata: MetadataStore;
  events: EventLog;
  cache: Cache;
  featureStore: FeatureStore;
  counters: VideoCounters;
  clock: typeof systemClock;
  /** Consumer failures and dead letters go to stderr, so they never mix into the table. */
  telemetry: Telemetry;
  close(): Promise<void>;
}

async function openPorts(urls: Urls): Promise<Ports> {
  const metadata = await openMetadataStore(urls.metadata);
  await metadata.migrate();
  const events = await openEventLog(urls.events);
  const cache = await openCache(urls.cache);
  const featureStore = await openFeatureStore(urls.features);
  const clock = systemClock;
  return {
    metadata,
    events,
    cache,
    featureStore,
    clock,
    telemetry: new Telemetry({ level: 'warn', destination: process.stderr, processMetrics: false }),
    counters: new VideoCounters({ cache, metadata, clock }),
    async close() {
      await featureStore.close();
      await cache.close();
      await events.close();
      await metadata.close();
    },
  };
}

async function seed(p: Ports): Promise<void> {
  const now = Date.now();
  await p.metadata.transaction(async (tx) => {
    for (let u = 0; u < USERS; u++) {
      await tx.run(
        'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $2, $2, $3, $4)',
        [`u${u}`, `user${u}`, 'x', now],
      );
    }
    for (let v = 0; v < VIDEOS; v++) {
      await tx.run(
        `INSERT INTO videos (id, author_id, privacy, status, duration_ms, hashtags, created_at)
         VALUES ($1, $2, 'public', 'ready', $3, $4, $5)`,
        [`v${v}`, `u${v % USERS}`, 5_000 + (v % 60) * 1_000, JSON.stringify([`t${v % 20}`]), now],
      );
    }
  });
}

const clientEvent = (id: string, i: number): ClientEvent => ({
  client_event_id: id,
  type: (['impression', 'play_start', 'progress', 'complete', 'skip'] as const)[i % 5]!,
  video_id: `v${i % VIDEOS}`,
  watch_ms: (i * 997) % 30_000,
  duration_ms: 30_000,
});

/** Runs `total` units of work with `concurrency` callers; returns units per second. */
async function throughput(total: number, step: number, concurrency: number, work: (from: number) => Promise<void>) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let from = next; from < total; from = next) {
        next += step;
        await work(from);
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

/**
 * Waits until every group has committed up to the log end as it stands now, which also covers events a
 * producer retry wrote twice.
 */
async function waitCaughtUp(log: EventLog, groups: string[], timeoutMs: number): Promise<boolean> {
  const ends = await log.endOffsets(ENGAGEMENT_TOPIC);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const done = await Promise.all(
      groups.map(async (g) => (await log.committed(ENGAGEMENT_TOPIC, g)).every((c, i) => c >= ends[i]!)),
    );
    if (done.every(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function pollUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) return Number.POSITIVE_INFINITY;
    await new Promise((r) => setImmediate(r));
  }
  return performance.now() - start;
}

/** The child of the crash check: ingests and likes until killed, printing each acknowledged id. */
async function crashChild(urls: Urls): Promise<void> {
  const p = await openPorts(urls);
  const ingest = clientEventsService(p);
  const likes = likesService(p);
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const ids = Array.from({ length: 10 }, (_, k) => `crash-${i}-${k}`);
    await ingest.ingest(
      { deviceId: 'crash' },
      ids.map((id, k) => clientEvent(id, i * 10 + k)),
    );
    process.stdout.write(`E ${ids.join(' ')}\n`);
    const user = `u${i % USERS}`;
    const video = `v${Math.floor(i / USERS) % VIDEOS}`;
    await likes.like(user, video);
    process.stdout.write(`L ${user} ${video}\n`);
  }
}

async function crashCheck(urls: Urls, killAfterMs: number): Promise<{ acked: number; lost: number }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(urls)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ackedEvents = new Set<string>();
  const ackedLikes: [string, string][] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'ready') {
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        resolve();
      } else if (line.startsWith('E ')) for (const id of line.slice(2).split(' ')) ackedEvents.add(`d:crash:${id}`);
      else if (line.startsWith('L ')) ackedLikes.push(line.slice(2).split(' ') as [string, string]);
    });
    child.once('exit', () => resolve());
  });
  await exited;
  const p = await openPorts(urls);
  try {
    const stored = new Set<string>();
    // Read from where the consumers stopped: Kafka's mock broker keeps a bounded log, older offsets may be gone.
    const from = await p.events.committed(ENGAGEMENT_TOPIC, 'engagement-views');
    const parts = await p.events.partitions(ENGAGEMENT_TOPIC);
    for (let part = 0; part < parts; part++) {
      for (let offset = from[part] ?? 0; ; ) {
        const got = await p.events.read(ENGAGEMENT_TOPIC, part, offset, 20_000);
        if (got.length === 0) break;
        for (const e of got) stored.add((e.value as { id: string }).id);
        offset = got[got.length - 1]!.offset + 1;
      }
    }
    let lost = 0;
    for (const id of ackedEvents) if (!stored.has(id)) lost++;
    for (const [user, video] of ackedLikes) {
      const row = await p.metadata.get('SELECT 1 AS x FROM likes WHERE user_id = $1 AND video_id = $2', [user, video]);
      if (!row) lost++;
    }
    return { acked: ackedEvents.size + ackedLikes.length, lost };
  } finally {
    await p.close();
  }
}

async function runSet(name: string, urls: Urls) {
  const p = await openPorts(urls);
  await seed(p);
  const ingest = clientEventsService(p);
  const likes = likesService(p);

  // Everything appended before the consumers start; every like below is a new (user, video) pair, one event each.
  let appended = 0;
  const eventsPerS = await throughput(INGEST_EVENTS, BATCH, CONCURRENCY, async (from) => {
    const batch = Array.from({ length: BATCH }, (_, k) => clientEvent(`b-${from + k}`, from + k));
    // Awaited first: `appended += await …` would read `appended` before the await and lose concurrent adds.
    const { accepted } = await ingest.ingest({ deviceId: `dev-${from % 97}` }, batch);
    appended += accepted;
  });
  const app = await buildTestApp(p);
  /** POST /events through fastify with `callers` concurrent devices; ids tagged so no run repeats another's. */
  const postEvents = (tag: string, callers: number) =>
    throughput(quick ? 2_000 : 10_000, BATCH, callers, async (from) => {
      const events = Array.from({ length: BATCH }, (_, k) => clientEvent(`${tag}-${from + k}`, from + k));
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { 'content-type': 'application/json', 'x-device-id': `http-${from % 97}` },
        // One address per simulated device, as real phones have: the per-address device budget stays out of the way.
        remoteAddress: `10.0.${from % 97}.1`,
        payload: JSON.stringify({ events }),
      });
      if (res.statusCode !== 202) throw new Error(`POST /events answered ${res.statusCode}: ${res.body}`);
      appended += res.json().accepted;
    });
  const httpEventsPerS = await postEvents('h', CONCURRENCY);
  // A node serving many devices has many batches in flight; the embedded log commits those of one turn together.
  const httpEventsPerSMany = await postEvents('hm', LIKE_CONCURRENCY);
  await app.close();
  // Every like is a new (user, video) pair: the first LIKES with 4 callers, the next LIKES with many.
  const likesPerSFew = await throughput(LIKES, 1, CONCURRENCY, async (i) => {
    await likes.like(`u${i % USERS}`, `v${Math.floor(i / USERS) % VIDEOS}`);
  });
  const likesPerS = await throughput(LIKES, 1, LIKE_CONCURRENCY, async (i) => {
    const n = LIKES + i;
    await likes.like(`u${n % USERS}`, `v${Math.floor(n / USERS) % VIDEOS}`);
  });

  const total = appended + 2 * LIKES;
  const inLog = (await p.events.endOffsets(ENGAGEMENT_TOPIC)).reduce((a, b) => a + b, 0);
  // Both groups join at once; the drain rate counts from the join (a new group's first join waits the
  // broker's initial rebalance delay, 3 s, once per group start) to both groups having committed the end.
  const consumeStart = performance.now();
  const subs = await Promise.all([startConsumer(p, viewsConsumer(p)), startConsumer(p, featuresConsumer(p))]);
  const joined = performance.now();
  const caughtUp = await waitCaughtUp(p.events, ['engagement-views', 'engagement-features'], 300_000);
  const consumePerS = inLog / ((performance.now() - joined) / 1000);
  const consumeWithJoinPerS = inLog / ((performance.now() - consumeStart) / 1000);

  // Probes under a light background load; each probe is a fresh device completing a video.
  let loading = true;
  const load = (async () => {
    for (let i = 0; loading; i++) {
      await ingest.ingest({ deviceId: 'bg' }, [clientEvent(`bg-${i}`, i)]);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const counterLag: number[] = [];
  const featureLag: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const video = `v${i % VIDEOS}`;
    const before = (await p.counters.get([video])).get(video)!.views;
    const device = `probe-${i}`;
    await ingest.ingest({ deviceId: device }, [{ client_event_id: 'c', type: 'complete', video_id: video }]);
    const counted = pollUntil(async () => (await p.counters.get([video])).get(video)!.views > before);
    const folded = pollUntil(async () => (await p.featureStore.history(`d:${device}`)).length > 0);
    const [c, f] = await Promise.all([counted, folded]);
    counterLag.push(c);
    featureLag.push(f);
  }
  loading = false;
  await load;
  for (const s of subs) await s.stop();
  await p.close();

  const crash = await crashCheck(urls, quick ? 1_500 : 4_000);
  const row = {
    set: name,
    events_per_s: Math.round(eventsPerS),
    http_events_per_s: Math.round(httpEventsPerS),
    http_events_per_s_many_callers: Math.round(httpEventsPerSMany),
    likes_per_s: Math.round(likesPerS),
    likes_per_s_4_callers: Math.round(likesPerSFew),
    consume_events_per_s: Math.round(consumePerS),
    consume_events_per_s_with_join: Math.round(consumeWithJoinPerS),
    caught_up: caughtUp,
    acked_events: total,
    logged_events: inLog,
    lag_p50_ms: +quantile(counterLag, 0.5).toFixed(1),
    lag_p99_ms: +quantile(counterLag, 0.99).toFixed(1),
    feature_lag_p50_ms: +quantile(featureLag, 0.5).toFixed(1),
    feature_lag_p99_ms: +quantile(featureLag, 0.99).toFixed(1),
    crash_acked: crash.acked,
    lost_after_crash: crash.lost,
  };
  return row;
}

async function main(): Promise<void> {
  const childArg = argValue('--child');
  if (childArg) return crashChild(JSON.parse(childArg) as Urls);
  const only = argValue('--only');
  const rows = [];
  // The machine is often shared: the 1-minute load average before and after says how noisy this run was.
  const loadBefore = +loadavg()[0]!.toFixed(2);
  if (only === undefined || only === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'foryou-events-bench-'));
    try {
      rows.push(
        await runSet('embedded (sqlite + memory cache + sqlite features)', {
          metadata: `sqlite://${join(dir, 'meta.db')}`,
          events: `sqlite://${join(dir, 'events.db')}?pollMs=5`,
          // The memory cache lives in one process; the crash child writes its own, which is not what the check reads.
          cache: 'memory://',
          features: `sqlite://${join(dir, 'features.db')}`,
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (only === undefined || only === 'scaled') {
    const kafka = (await import('../core/testing/kafka.server.ts')).default;
    const broker = await kafka.start();
    const kafkaUrl = broker.env.TEST_KAFKA_URL;
    const pg = testPostgresUrl('events-bench');
    const cache = testRedisUrl('events-bench');
    const features = testRedisUrl('events-bench-fs');
    try {
      if (!kafkaUrl) throw new Error('the Kafka mock broker did not start');
      rows.push(
        await runSet('scaled (postgres + redis + kafka + redis features)', {
          metadata: pg,
          events: `${kafkaUrl}?partitions=3&maxWaitTime=20`,
          cache,
          features,
        }),
      );
    } finally {
      await dropTestSchema(pg).catch(() => {});
      await cleanupTestRedis(cache).catch(() => {});
      await cleanupTestRedis(features).catch(() => {});
      await broker.stop();
    }
  }
  printTable('engagement write path', rows);
  writeResults('events', {
    quick,
    load_avg_1m: { before: loadBefore, after: +loadavg()[0]!.toFixed(2) },
    config: {
      ingest_events: INGEST_EVENTS,
      batch: BATCH,
      concurrency: CONCURRENCY,
      likes: LIKES,
      likes_concurrency: LIKE_CONCURRENCY,
      probes: PROBES,
    },
    // The headline: the scaled backend's Kafka-protocol consumer drain rate (one process, both groups).
    kafka_consumer_events_per_s: rows.find((r) => r.set.startsWith('scaled'))?.consume_events_per_s ?? null,
    sets: rows,
  });
}

await main();
