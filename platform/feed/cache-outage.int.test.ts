import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../core/cache/open.ts';
import type { Cache } from '../../core/cache/ports.ts';
import { parseMetricsText } from '../../core/testing/telemetry.ts';
import { METRICS_AUTH } from '../api/testing/harness.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

/**
 * For You on a real Redis (a private redis-server of this test, keys under `oa:`) that is stopped, and
 * then stalled: pages keep coming, from the fallback page once the cache's circuit is open, counted as
 * `foryou_feed_fallbacks_total{reason="cache_unavailable"}`, and the feed is personalised again by itself
 * once Redis is back.
 */

/** The first port of 4150-4199 free right now (the range this test's private Redis may use). */
async function freePort(): Promise<number> {
  for (let port = 4150; port < 4200; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 4150-4199');
}

function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    c.stdout!.on('data', (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve(c);
    });
    c.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
}

async function stopRedis(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

describe('For You while its Redis cache is down or stalled', () => {
  let port: number;
  let redis: ChildProcess;
  let cache: Cache;
  let t: FeedTestApp;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    cache = await openCache(`redis://127.0.0.1:${port}/0?prefix=oa:feed-outage:`);
    t = await buildFeedTestApp('feed-cache-outage', () => ({ cache }));
    const authors = [await t.register('outage_author_a'), await t.register('outage_author_b')];
    const now = Date.now();
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 40 }, (_, i) => ({ authorId: authors[i % 2]!.id, createdAt: now - i * 60_000 })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
  });
  afterAll(async () => {
    await t?.cleanup();
    if (redis) await stopRedis(redis);
  });

  const page = async (device: string, cursor?: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/feed?limit=5&explain=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers: { 'x-device-id': device },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as {
      items: { id: string }[];
      next_cursor: string | null;
      model_version: string;
      explain: { page_fallback?: string };
    };
  };

  /** Requests pages until one meets `done` (at most `tries`), as a client scrolling meanwhile would. */
  const until = async (device: string, done: (p: Awaited<ReturnType<typeof page>>) => boolean, tries = 60) => {
    for (let i = 0; i < tries; i++) {
      const p = await page(device);
      expect(p.items.length).toBeGreaterThan(0);
      if (done(p)) return p;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no such page in ${tries} requests`);
  };

  const fallbacks = async () => {
    const res = await t.app.inject({ url: '/metrics', headers: METRICS_AUTH });
    return parseMetricsText(res.body).get('foryou_feed_fallbacks_total{pipeline="for_you",reason="cache_unavailable"}');
  };

  it('serves the pipeline while Redis is up', async () => {
    const p = await page('outage-up');
    expect(p.items.length).toBeGreaterThan(0);
    expect(p.explain.page_fallback).toBeUndefined();
    expect(t.runtime.breakers.cache.open).toBe(false);
  });

  it('serves fallback pages, paging on, while Redis is stopped; personalised again once it is back', async () => {
    await stopRedis(redis);
    const first = await until('outage-down', (p) => p.explain.page_fallback === 'cache_unavailable');
    expect(t.runtime.breakers.cache.open).toBe(true);
    expect(first.model_version).toBe('fallback-page');
    expect(await fallbacks()).toBeGreaterThan(0);
    // Without the session set the next page skips the earlier one's picks rather than repeating them.
    const second = await page('outage-down', first.next_cursor!);
    expect(second.explain.page_fallback).toBe('cache_unavailable');
    const firstIds = new Set(first.items.map((i) => i.id));
    expect(second.items.filter((i) => firstIds.has(i.id))).toEqual([]);

    redis = await startRedis(port);
    const back = await until('outage-back', (p) => p.explain.page_fallback === undefined);
    expect(back.model_version).not.toBe('fallback-page');
    expect(t.runtime.breakers.cache.open).toBe(false);
  });

  it('answers instead of waiting when Redis stops answering (stalled), and recovers', async () => {
    redis.kill('SIGSTOP');
    try {
      const p = await until('outage-stalled', (x) => x.explain.page_fallback === 'cache_unavailable');
      expect(p.items.length).toBeGreaterThan(0);
    } finally {
      redis.kill('SIGCONT');
    }
    await until('outage-resumed', (p) => p.explain.page_fallback === undefined);
  });
});
