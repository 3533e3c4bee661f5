import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCache } from '../../../core/cache/open.ts';
import type { LoggedEvent } from '../../../core/events/ports.ts';
import { sampleOf } from '../../../core/testing/telemetry.ts';
import { waitFor } from '../../../core/testing/wait-for.ts';
import { newFeatureState } from '../../../feature-store/definitions.ts';
import { openFeatureStore } from '../../../feature-store/open.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import { countsAsView } from '../../../feature-store/signals.ts';
import { TRENDING_KEY } from '../../../feature-store/trending.ts';
import { clientEventsService } from '../client-events.service.ts';
import { ENGAGEMENT_TOPIC } from '../events.ts';
import { likesService } from '../likes.service.ts';
import { type Fixture, openFixture } from '../testing/fixture.ts';
import { featuresConsumer } from './features.consumer.ts';
import { consumerHandler, startConsumer } from './runner.ts';
import { viewsConsumer } from './views.consumer.ts';

const H = 3600_000;

async function readAll(f: Fixture): Promise<LoggedEvent[]> {
  return f.events.read(ENGAGEMENT_TOPIC, 0, 0, 10_000);
}

describe('engagement consumers', () => {
  let f: Fixture;
  let store: FeatureStore;
  beforeEach(async () => {
    f = await openFixture();
    store = await openFeatureStore('sqlite://:memory:');
    for (const u of ['alice', 'bob']) await f.addUser(u);
    await f.addVideo('v1', 'bob', { durationMs: 3000, hashtags: ['cats'] });
    await f.addVideo('v2', 'bob', { durationMs: 60_000 });
  });
  afterEach(async () => {
    await store.close();
    await f.close();
  });

  it('applies the view rule: 2 s or half the duration', () => {
    expect(countsAsView('progress', 1999, 60_000)).toBe(false);
    expect(countsAsView('progress', 2000, 60_000)).toBe(true);
    expect(countsAsView('progress', 1500, 3000)).toBe(true);
    expect(countsAsView('progress', 1499, 3000)).toBe(false);
    expect(countsAsView('impression', 10_000, 3000)).toBe(false);
    expect(countsAsView('complete', undefined, undefined)).toBe(true);
  });

  it('counts a view once per actor, video and hour, and again the next hour', async () => {
    const ingest = clientEventsService(f);
    const handler = consumerHandler(f, viewsConsumer(f));
    const play = (id: string, watch: number) => ({
      client_event_id: id,
      type: 'progress' as const,
      video_id: 'v2',
      watch_ms: watch,
    });
    await ingest.ingest({ userId: 'alice' }, [play('1', 500), play('2', 2500), play('3', 9000)]);
    await ingest.ingest({ deviceId: 'dev' }, [play('1', 2500)]);
    f.clock.advance(H);
    await ingest.ingest({ userId: 'alice' }, [play('4', 2500)]);
    const batch = await readAll(f);
    await handler(batch);
    await handler(batch);
    expect((await f.counters.get(['v2'])).get('v2')!.views).toBe(3);
    expect(await f.metadata.all('SELECT user_key FROM views ORDER BY hour_bucket, user_key')).toEqual([
      { user_key: 'd:dev' },
      { user_key: 'u:alice' },
      { user_key: 'u:alice' },
    ]);
  });

  it('dead-letters poison events in the middle of a batch and applies the rest', async () => {
    await clientEventsService(f).ingest({ userId: 'alice' }, [
      { client_event_id: 'ok1', type: 'complete', video_id: 'v1' },
    ]);
    await f.events.append(ENGAGEMENT_TOPIC, [
      { key: 'x', value: 'not an object' },
      { key: 'x', value: { v: 1, id: 'p2', type: 'teleport', actor: 'u:alice', ts: 1 } },
      { key: 'x', value: { v: 1, id: 'p3', type: 'complete', actor: 'u:alice', videoId: 'ghost', ts: 1 } },
      { key: 'x', value: null },
    ]);
    await clientEventsService(f).ingest({ userId: 'bob' }, [
      { client_event_id: 'ok2', type: 'not_interested', video_id: 'v2' },
    ]);
    const batch = await readAll(f);
    const views = consumerHandler(f, viewsConsumer(f));
    const features = consumerHandler(f, featuresConsumer({ ...f, featureStore: store }));
    await views(batch);
    await features(batch);
    await views(batch);
    const dead = await f.metadata.all<{ id: string; source: string; reason: string }>(
      'SELECT id, source, reason FROM dead_letters ORDER BY id',
    );
    expect(dead).toHaveLength(8);
    for (const source of ['engagement-views', 'engagement-features']) {
      expect(dead.filter((d) => d.source === source).map((d) => d.reason)).toEqual([
        expect.stringContaining('malformed'),
        expect.stringContaining('malformed'),
        'unknown video ghost',
        expect.stringContaining('malformed'),
      ]);
    }
    expect((await f.counters.get(['v1'])).get('v1')!.views).toBe(1);
    expect(await f.metadata.all('SELECT user_id, video_id, author_id FROM not_interested')).toEqual([
      { user_id: 'bob', video_id: 'v2', author_id: 'bob' },
    ]);
    expect((await store.history('u:alice')).map((h) => h.kind)).toEqual(['complete']);
    // Counted once per letter filed (the redelivered batch filed none), by reason, and logged per batch.
    const lettersOf = (group: string, reason: string) =>
      sampleOf(f.telemetry.registry, 'foryou_dead_letters_total', { group, reason });
    for (const group of ['engagement-views', 'engagement-features']) {
      expect(await lettersOf(group, 'malformed')).toBe(3);
      expect(await lettersOf(group, 'unknown_video')).toBe(1);
    }
    expect(await sampleOf(f.telemetry.registry, 'foryou_events_consumed_total', { group: 'engagement-views' })).toBe(
      2 * batch.length,
    );
    const logged = f.logs.filter((l) => l.msg === 'events dead-lettered');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      component: 'consumer',
      group: 'engagement-views',
      deadLetters: { malformed: 3, unknown_video: 1 },
    });
  });

  it('counts and logs a failed batch once, and handles it when the log delivers it again', async () => {
    await clientEventsService(f).ingest({ userId: 'alice' }, [
      { client_event_id: 'c', type: 'complete', video_id: 'v1' },
    ]);
    let calls = 0;
    const flaky = viewsConsumer(f);
    const sub = await startConsumer(f, {
      group: flaky.group,
      apply: async (items) => {
        if (++calls === 1) throw new Error('database restarting');
        return flaky.apply(items);
      },
    });
    await waitFor('the view counted', async () => (await f.counters.get(['v1'])).get('v1')!.views > 0, 5_000);
    await sub.stop();
    expect((await f.counters.get(['v1'])).get('v1')!.views).toBe(1);
    const group = { group: 'engagement-views' };
    expect(await sampleOf(f.telemetry.registry, 'foryou_consumer_batch_failures_total', group)).toBe(1);
    // The event log reports the handler's failure too; it is not counted or logged a second time.
    expect(await sampleOf(f.telemetry.registry, 'foryou_errors_total', { component: 'consumer' })).toBe(1);
    const failed = f.logs.filter((l) => l.component === 'consumer' && l.level === 40 && l.msg.includes('batch failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ group: 'engagement-views', partition: 0 });
    expect((failed[0]!.err as { message: string }).message).toBe('database restarting');
  });

  it('refuses only the events whose write fails, keeping the rest of the batch', async () => {
    await clientEventsService(f).ingest({ userId: 'alice' }, [
      { client_event_id: '1', type: 'complete', video_id: 'v1' },
      { client_event_id: '2', type: 'not_interested', video_id: 'v2' },
      { client_event_id: '3', type: 'complete', video_id: 'v2' },
    ]);
    await f.metadata.run('ALTER TABLE not_interested RENAME TO ni_away');
    await consumerHandler(f, viewsConsumer(f))(await readAll(f));
    const counts = await f.counters.get(['v1', 'v2']);
    expect([counts.get('v1')!.views, counts.get('v2')!.views]).toEqual([1, 1]);
    const dead = await f.metadata.all<{ reason: string; payload: string }>('SELECT reason, payload FROM dead_letters');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/^failed: /);
    expect(JSON.parse(dead[0]!.payload)).toMatchObject({ type: 'not_interested', videoId: 'v2' });
  });

  it('keeps consuming through a live subscription with poison in the log', async () => {
    const sub = await startConsumer(f, viewsConsumer(f), { maxBatch: 2 });
    await f.events.append(ENGAGEMENT_TOPIC, [{ key: 'x', value: { junk: true } }]);
    await clientEventsService(f).ingest({ userId: 'alice' }, [
      { client_event_id: 'c', type: 'complete', video_id: 'v1' },
    ]);
    await waitFor('the view counted', async () => (await f.counters.get(['v1'])).get('v1')!.views > 0, 5_000);
    await sub.stop();
    expect((await f.counters.get(['v1'])).get('v1')!.views).toBe(1);
    expect(await f.events.committed(ENGAGEMENT_TOPIC, 'engagement-views')).toEqual([2]);
  });

  it('rebuilds identical feature state and trending from a replay of the log from offset 0', async () => {
    const ingest = clientEventsService(f);
    const likes = likesService(f);
    for (let i = 0; i < 30; i++) {
      f.clock.advance(60_000);
      const who = i % 3 === 0 ? { deviceId: 'dev' } : { userId: i % 2 ? 'alice' : 'bob' };
      await ingest.ingest(who, [
        { client_event_id: `i${i}`, type: 'impression', video_id: i % 2 ? 'v1' : 'v2' },
        { client_event_id: `p${i}`, type: 'play_start', video_id: i % 2 ? 'v1' : 'v2' },
        { client_event_id: `s${i}`, type: i % 4 ? 'complete' : 'skip', video_id: 'v1', watch_ms: 1000 * i },
      ]);
    }
    await likes.like('alice', 'v1');
    const all = await readAll(f);
    const live = consumerHandler(f, featuresConsumer({ ...f, featureStore: store }));
    for (let i = 0; i < all.length; i += 11) await live(all.slice(i, i + 11));
    await live(all.slice(5, 40));
    const replayed = await openFeatureStore('sqlite://:memory:');
    const replayCache = await openCache('memory://');
    await consumerHandler(f, featuresConsumer({ ...f, cache: replayCache, featureStore: replayed }))(all);
    const q = { users: ['u:alice', 'u:bob', 'd:dev'], videos: ['v1', 'v2'] };
    const a = await store.loadState(q);
    expect(await replayed.loadState(q)).toEqual(a);
    expect(a.users.size).toBe(3);
    expect(a).not.toEqual({ ...newFeatureState(), users: a.users, videos: a.videos });
    expect(await replayed.videoStats(['v1', 'v2'], f.clock.now())).toEqual(
      await store.videoStats(['v1', 'v2'], f.clock.now()),
    );
    expect(await replayCache.zRevRange(TRENDING_KEY, 0, -1)).toEqual(await f.cache.zRevRange(TRENDING_KEY, 0, -1));
    expect((await f.cache.zRevRange(TRENDING_KEY, 0, 0))[0]!.member).toBe('v1');
    await replayed.close();
    await replayCache.close();
  });
});
