/**
 * The soak: the embedded API (one process, its workers inside, retention of the serve and event logs
 * on) first driven closed-loop to measure its saturation throughput on a read/write mix, then held at
 * half of that rate for `minutes`, with its resident memory, latency, errors and data-folder size
 * recorded minute by minute. Uploads are left out of the mix: a transcode takes seconds of every core,
 * so a few would set the pace instead of the API.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../core/ids.ts';
import { EXPERIMENTS_DIR } from '../../feed/for-you/config.ts';
import { PROCESS_ENV } from '../../platform/api/process-env.ts';
import { startServerProcess } from '../../platform/api/testing/server-process.ts';
import { quantile } from '../report.ts';
import { fixtureVideos } from './kill-loop.ts';
import { MixedLoad, type OpMix, type RequestDone } from './load.ts';
import { type Backend, stopGracefully } from './processes.ts';
import { bigFiles, dirMb, eventRows, rssMbOf, scrape, servedRows } from './soak-probes.ts';

/** Feed reads and the writes a viewing session makes. */
export const SOAK_MIX: OpMix = [
  ['feed', 50],
  ['events', 25],
  ['like', 10],
  ['comment', 7],
  ['follow', 5],
  ['register', 3],
];

export interface SoakOptions {
  minutes: number;
  /**
   * Closed-loop load before the saturation is measured, s: the first seconds of an empty platform (no
   * history, idle consumers) are cheaper than its steady state, and half of that would overload it.
   */
  warmupS: number;
  /** Closed-loop measurement of the saturation throughput, s. */
  saturationS: number;
  /** Served items and events older than this are deleted by the retention pass, s. */
  retentionS: number;
  /**
   * The feed's session lifetime (feed.yaml `session_ttl_s`, 3600 by default): each session's served ids
   * stay in the cache this long, so memory grows for that long before it levels off; shorter than the
   * soak shows the level, as the log retention does for the disk.
   */
  sessionTtlS: number;
  /** The held rate as a share of the measured saturation (0.5: the "half"). */
  loadShare?: number;
  /**
   * Minutes at the held rate before the measured `minutes` begin: the in-process cache fills to its
   * bound (memory://?maxMembers) and the sessions and logs to their lifetimes first, so the measured
   * window shows whether memory keeps growing once the working set is in place (a leak), not the fill.
   * The fill is reported too (`settle`).
   */
  settleMin?: number;
  /**
   * Minutes (from the soak's start) at which the API writes a V8 heap snapshot into `heapDir`, to compare
   * retained memory by constructor between two points of a run (`--heapsnapshot-signal`).
   */
  heapSnapshotAtMin?: readonly number[];
  heapDir?: string;
  rand: () => number;
  log: (line: string) => void;
}

export interface SoakMinute {
  minute: number;
  requests: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  /** The minute's p99 by operation (feed, events, like, comment, follow, register). */
  p99_ms_by_op: Record<string, number>;
  rss_mb: number;
  /** From the API's /metrics at the minute's end: V8's heap in use and reserved, and memory outside it. */
  heap_used_mb: number;
  heap_total_mb: number;
  external_mb: number;
  /** Keys in the in-process cache, what those with a TTL weigh (memory://?maxMembers), and its evictions so far. */
  cache_keys: number;
  cache_members: number;
  cache_evictions: number;
  disk_mb: number;
}

export interface SoakResult {
  minutes: number;
  saturation_rps: number;
  rate_rps: number;
  requests: number;
  /** 5xx answers and requests whose connection died. */
  errors: number;
  /** Requests the pacer skipped because `MAX_IN_FLIGHT` were still waiting (the API falling behind). */
  skipped: number;
  /** Median RSS of the last measured minute over that of the first, minus 1 (after `settle`). */
  rss_growth: number;
  /** The held-rate minutes before the measured ones, and the RSS growth counted from their first minute. */
  settle: { minutes: number; rss_mb_first: number; rss_growth_from_settle_start: number; by_minute_rss_mb: number[] };
  rss_mb_first: number;
  rss_mb_last: number;
  p99_ms_first: number;
  p99_ms_last: number;
  disk_mb_first: number;
  disk_mb_last: number;
  retention_s: number;
  session_ttl_s: number;
  /** The environment the API process ran with on top of the soak's settings (the platform's PROCESS_ENV). */
  process_env: Readonly<Record<string, string>>;
  /** Feed pages answered over the soak, their mean item count (10 asked) and how many were empty. */
  feed: { pages: number; items_per_page: number; empty_pages: number };
  /** Answers by operation and status over the soak (0: the connection died). */
  statuses_by_op: Record<string, Record<string, number>>;
  /** Rows left in the two retained logs at the end (bounded by the retention, not by the soak's length). */
  log_rows_end: { served_items: number; events: number };
  /** The data folder's files of 1 MB or more at the end, MB by path (the SQLite files and their WALs). */
  files_mb_end: Record<string, number>;
  by_minute: SoakMinute[];
}

const MAX_IN_FLIGHT = 64;
const SATURATION_CLIENTS = 16;
/** Fixture videos and their authors: the feed's author-diversity rule keeps one author to a few items a page. */
const FIXTURE_AUTHORS = 40;
const FIXTURE_VIDEOS_PER_AUTHOR = 50;

const median = (xs: readonly number[]) => quantile(xs, 0.5);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export async function soak(backend: Backend, o: SoakOptions): Promise<SoakResult> {
  const feedConfigDir = mkdtempSync(join(tmpdir(), 'foryou-soak-feed-'));
  cpSync(EXPERIMENTS_DIR, feedConfigDir, { recursive: true });
  const feedYaml = join(feedConfigDir, 'feed.yaml');
  const yaml = readFileSync(feedYaml, 'utf8');
  if (!/^session_ttl_s: \d+$/m.test(yaml)) throw new Error('feed.yaml has no session_ttl_s');
  writeFileSync(feedYaml, yaml.replace(/^session_ttl_s: \d+$/m, `session_ttl_s: ${o.sessionTtlS}`));
  const env: Record<string, string> = {
    ...backend.env,
    FEED_CONFIG_DIR: feedConfigDir,
    EMBEDDED_WORKERS: 'true',
    SERVE_LOG_RETENTION_S: String(o.retentionS),
    EVENT_LOG_RETENTION_S: String(o.retentionS),
    RETENTION_SWEEP_S: String(Math.max(5, Math.round(o.retentionS / 6))),
    METRICS_TOKEN: randomBytes(16).toString('hex'),
  };
  const snapshots = o.heapSnapshotAtMin ?? [];
  if (snapshots.length > 0 && !o.heapDir) throw new Error('soak: heapSnapshotAtMin needs heapDir');
  // The fixture videos go in before the API that is measured starts: its catalogue loads at start.
  const first = await startServerProcess(env);
  const videos: string[] = [];
  for (let i = 0; i < FIXTURE_AUTHORS; i++) {
    const reg = await fetch(`${first.base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: `author_${i}_${newId().slice(-6)}`, password: 'soak password' }),
    });
    const author = ((await reg.json()) as { user: { id: string } }).user.id;
    videos.push(...(await fixtureVideos(env, author, FIXTURE_VIDEOS_PER_AUTHOR)));
  }
  await stopGracefully(first);
  const api = await startServerProcess(
    snapshots.length > 0
      ? {
          ...env,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${o.heapDir}`,
        }
      : env,
  );
  const pid = api.child.pid!;
  try {
    let sink: RequestDone = () => {};
    const load = new MixedLoad({ base: api.base }, videos, Buffer.alloc(0), o.rand, {
      mix: SOAK_MIX,
      onDone: (op, ms, status) => sink(op, ms, status),
    });
    await load.prepare();

    // Saturation: as many clients as it takes to keep the API busy, closed loop, after a warm-up.
    let done = 0;
    sink = () => done++;
    await load.start(SATURATION_CLIENTS);
    await new Promise((r) => setTimeout(r, o.warmupS * 1000));
    done = 0;
    const satStart = performance.now();
    await new Promise((r) => setTimeout(r, o.saturationS * 1000));
    const saturation = done / ((performance.now() - satStart) / 1000);
    await load.stop();
    const rate = saturation * (o.loadShare ?? 0.5);
    o.log(`  saturation ${saturation.toFixed(0)} req/s; soaking ${o.minutes} min at ${rate.toFixed(0)} req/s`);

    // The soak: open loop at half the saturation rate, recorded per minute.
    const minutes: { lat: number[]; byOp: Map<string, number[]>; errors: number; rss: number[] }[] = Array.from(
      { length: o.minutes },
      () => ({
        lat: [],
        byOp: new Map<string, number[]>(),
        errors: 0,
        rss: [],
      }),
    );
    const disk: number[] = [];
    const scraped: Record<string, number>[] = [];
    const metricsSampler = setInterval(
      () => void scrape(api.base, env.METRICS_TOKEN!).then((m) => (scraped[minuteOf()] = m)),
      15_000,
    );
    const settleMin = o.settleMin ?? 0;
    const settleRss: number[][] = Array.from({ length: settleMin }, () => []);
    let feedBefore = { ...load.feed };
    const tStart = performance.now();
    const t0 = tStart + settleMin * 60_000;
    const settling = () => performance.now() < t0;
    const minuteOf = () => Math.min(o.minutes - 1, Math.floor(Math.max(0, performance.now() - t0) / 60_000));
    const statuses: Record<string, Record<string, number>> = {};
    sink = (op, ms, status) => {
      if (settling()) return;
      const byStatus = statuses[op] ?? {};
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      statuses[op] = byStatus;
      const m = minutes[minuteOf()]!;
      m.lat.push(ms);
      const opLat = m.byOp.get(op) ?? [];
      opLat.push(ms);
      m.byOp.set(op, opLat);
      if (status === 0 || status >= 500) m.errors++;
    };
    const sampler = setInterval(() => {
      if (settling())
        settleRss[Math.min(settleMin - 1, Math.floor((performance.now() - tStart) / 60_000))]!.push(rssMbOf(pid));
      else minutes[minuteOf()]!.rss.push(rssMbOf(pid));
    }, 2_000);
    const settled = setTimeout(() => {
      feedBefore = { ...load.feed };
    }, settleMin * 60_000);
    const snapshotTimers = snapshots.map((m) =>
      setTimeout(() => {
        o.log(`  minute ${m}: heap snapshot (RSS ${rssMbOf(pid).toFixed(0)} MB)`);
        api.child.kill('SIGUSR2');
      }, m * 60_000),
    );
    const diskSampler = setInterval(() => {
      if (!settling()) disk.push(dirMb(env.DATA_DIR!));
    }, 60_000);
    let issued = 0;
    let inFlight = 0;
    let skipped = 0;
    const pending = new Set<Promise<void>>();
    const endAt = t0 + o.minutes * 60_000;
    while (performance.now() < endAt) {
      const due = Math.floor(((performance.now() - tStart) / 1000) * rate);
      for (; issued < due; issued++) {
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        inFlight++;
        const p = load.one().finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(pending);
    clearInterval(sampler);
    clearTimeout(settled);
    clearInterval(diskSampler);
    clearInterval(metricsSampler);
    for (const t of snapshotTimers) clearTimeout(t);
    disk.push(dirMb(env.DATA_DIR!));
    const filesEnd = bigFiles(env.DATA_DIR!);

    const byMinute: SoakMinute[] = minutes.map((m, i) => ({
      minute: i + 1,
      requests: m.lat.length,
      errors: m.errors,
      p50_ms: round(quantile(m.lat, 0.5)),
      p99_ms: round(quantile(m.lat, 0.99)),
      p99_ms_by_op: Object.fromEntries([...m.byOp].sort().map(([op, xs]) => [op, round(quantile(xs, 0.99))])),
      rss_mb: round(median(m.rss)),
      heap_used_mb: round(scraped[i]?.heap_used_mb ?? Number.NaN),
      heap_total_mb: round(scraped[i]?.heap_total_mb ?? Number.NaN),
      external_mb: round(scraped[i]?.external_mb ?? Number.NaN),
      cache_keys: scraped[i]?.cache_keys ?? Number.NaN,
      cache_members: scraped[i]?.cache_members ?? Number.NaN,
      cache_evictions: scraped[i]?.cache_evictions ?? Number.NaN,
      disk_mb: round(disk[Math.min(i, disk.length - 1)] ?? 0),
    }));
    const pages = load.feed.pages - feedBefore.pages;
    const first = byMinute[0]!;
    const last = byMinute[byMinute.length - 1]!;
    return {
      minutes: o.minutes,
      saturation_rps: Math.round(saturation),
      rate_rps: Math.round(rate),
      requests: byMinute.reduce((a, m) => a + m.requests, 0),
      errors: byMinute.reduce((a, m) => a + m.errors, 0),
      skipped,
      rss_growth: round(last.rss_mb / first.rss_mb - 1, 4),
      settle: {
        minutes: settleMin,
        rss_mb_first: round(settleRss.length ? median(settleRss[0]!) : first.rss_mb),
        rss_growth_from_settle_start: round(
          last.rss_mb / (settleRss.length ? median(settleRss[0]!) : first.rss_mb) - 1,
          4,
        ),
        by_minute_rss_mb: settleRss.map((xs) => round(median(xs))),
      },
      rss_mb_first: first.rss_mb,
      rss_mb_last: last.rss_mb,
      p99_ms_first: first.p99_ms,
      p99_ms_last: last.p99_ms,
      disk_mb_first: first.disk_mb,
      disk_mb_last: last.disk_mb,
      retention_s: o.retentionS,
      session_ttl_s: o.sessionTtlS,
      process_env: PROCESS_ENV,
      feed: {
        pages,
        items_per_page: round(pages ? (load.feed.items - feedBefore.items) / pages : 0, 2),
        empty_pages: load.feed.empty - feedBefore.empty,
      },
      statuses_by_op: statuses,
      files_mb_end: filesEnd,
      log_rows_end: {
        served_items: await servedRows(env.METADATA_URL!),
        events: eventRows(env.EVENTS_URL!),
      },
      by_minute: byMinute,
    };
  } finally {
    await stopGracefully(api);
    rmSync(feedConfigDir, { recursive: true, force: true });
  }
}
