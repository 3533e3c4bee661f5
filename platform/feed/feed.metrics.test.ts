import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../../core/cache/ports.ts';
import { capturingTelemetry, type LogLine, parseMetricsText } from '../../core/testing/telemetry.ts';
import { METRICS_AUTH } from '../api/testing/harness.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

/** Fault injection: trending's read never answers (so it times out) and every multi-get fails. */
function degraded(cache: Cache): Cache {
  return new Proxy(cache, {
    get(target, prop, recv) {
      if (prop === 'zRevRange') return () => new Promise(() => {});
      if (prop === 'mget') return async () => Promise.reject(new Error('ECONNRESET cache mget'));
      return Reflect.get(target, prop, recv);
    },
  });
}

describe('/metrics after feed requests with a failing and a timing-out component', () => {
  let t: FeedTestApp;
  let lines: LogLine[];
  const requestIds: string[] = [];
  let metrics: Map<string, number>;

  beforeAll(async () => {
    const captured = capturingTelemetry();
    lines = captured.lines;
    t = await buildFeedTestApp('feed-metrics', (deps) => ({ cache: degraded(deps.cache) }), {
      telemetry: captured.telemetry,
    });
    const author = await t.register('metered_creator');
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 12 }, (_, i) => ({ authorId: author.id, createdAt: Date.now() - i * 60_000 })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/feed?limit=4',
        headers: { 'x-device-id': `m${i}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.length).toBeGreaterThan(0);
      requestIds.push(res.json().request_id);
    }
    const page = await t.app.inject({ url: '/metrics', headers: METRICS_AUTH });
    expect(page.statusCode).toBe(200);
    metrics = parseMetricsText(page.body);
  });
  afterAll(async () => t?.cleanup());

  const series = (name: string, labels: Record<string, string>) =>
    metrics.get(
      `${name}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`,
    );

  it('times every stage and component of each request', () => {
    for (const stage of ['query_hydrate', 'sources', 'hydrate', 'filter', 'score', 'rerank', 'select']) {
      expect(series('foryou_feed_stage_duration_seconds_count', { pipeline: 'for_you', stage }), stage).toBe(3);
    }
    for (const component of ['popular', 'fresh', 'trending', 'retrieval_prior', 'fallback', 'author_diversity']) {
      expect(
        series('foryou_feed_component_duration_seconds_count', { pipeline: 'for_you', component }),
        component,
      ).toBe(3);
    }
    // Filters run before the pre-ranker's cut and again after hydration.
    expect(
      series('foryou_feed_component_duration_seconds_count', { pipeline: 'for_you', component: 'already_seen' }),
    ).toBe(6);
  });

  it('counts the failing source as an error and the slow one as a timeout, and the scorer fallback', () => {
    expect(series('foryou_feed_component_errors_total', { pipeline: 'for_you', component: 'fresh' })).toBe(3);
    expect(series('foryou_feed_component_errors_total', { pipeline: 'for_you', component: 'trending' })).toBe(3);
    expect(series('foryou_feed_source_timeouts_total', { pipeline: 'for_you', source: 'trending' })).toBe(3);
    expect(series('foryou_feed_source_timeouts_total', { pipeline: 'for_you', source: 'fresh' })).toBeUndefined();
    // No ranker is promoted here, so every page was scored by the fallback scorer.
    expect(series('foryou_feed_fallbacks_total', { pipeline: 'for_you', reason: 'scorer' })).toBe(3);
    expect(series('foryou_errors_total', { component: 'feed' })).toBeGreaterThanOrEqual(6);
  });

  it('logs each failure once per window with the request id that met it', () => {
    const timeout = lines.filter(
      (l) => l.component === 'feed' && l.msg === 'sources trending timed out; page built without it',
    );
    const failure = lines.filter(
      (l) => l.component === 'feed' && l.msg === 'sources fresh failed; page built without it',
    );
    expect(timeout).toHaveLength(1);
    expect(timeout[0]).toMatchObject({ level: 40, pipeline: 'for_you', requestId: requestIds[0] });
    expect(failure).toHaveLength(1);
    expect((failure[0]!.err as { message: string }).message).toBe('ECONNRESET cache mget');
    // The live counters are read with the same failing multi-get: served from the catalogue, and said so.
    expect(lines.some((l) => l.msg === 'reading live counters failed; items served without them')).toBe(true);
  });

  it('shows the scrape-time gauges: consumer lag per group, queue depth per state, the content index', () => {
    expect(series('foryou_consumer_lag_events', { group: 'engagement-views' })).toBeGreaterThanOrEqual(0);
    expect(series('foryou_consumer_lag_events', { group: 'engagement-features' })).toBeGreaterThanOrEqual(0);
    expect(series('foryou_queue_depth', { queue: 'media', state: 'waiting' })).toBe(0);
    expect(metrics.get('foryou_ann_index_size')).toBe(12);
    expect(metrics.get('foryou_ann_index_age_seconds')).toBeGreaterThanOrEqual(0);
  });
});
