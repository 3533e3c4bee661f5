import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../core/cache/open.ts';
import type { Cache } from '../../core/cache/ports.ts';
import { dropTestSchema, testPostgresUrl } from '../../core/testing/postgres.ts';
import { cleanupTestRedis, testRedisUrl } from '../../core/testing/redis.ts';
import { openFeatureStore } from '../../feature-store/open.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import { clientEventsService } from './client-events.service.ts';
import { commentsService } from './comments.service.ts';
import { featuresConsumer } from './consumers/features.consumer.ts';
import { consumerHandler } from './consumers/runner.ts';
import { viewsConsumer } from './consumers/views.consumer.ts';
import { recount } from './counters.ts';
import { ENGAGEMENT_TOPIC } from './events.ts';
import { followsService } from './follows.service.ts';
import { likesService } from './likes.service.ts';
import { profilesService } from './profiles.service.ts';
import { sharesService } from './shares.service.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

// The same services on PostgreSQL + Redis, to catch SQL or cache behaviour that differs from SQLite/memory.
describe('engagement on PostgreSQL and Redis', () => {
  const pgUrl = testPostgresUrl('engagement');
  const redisUrl = testRedisUrl('engagement');
  const fsUrl = testRedisUrl('engagement-fs');
  let cache: Cache;
  let store: FeatureStore;
  let f: Fixture;
  beforeAll(async () => {
    cache = await openCache(redisUrl);
    store = await openFeatureStore(fsUrl);
    f = await openFixture({ cache, metadataUrl: pgUrl });
    for (const u of ['alice', 'bob', 'carol']) await f.addUser(u);
    await f.addVideo('v1', 'bob', { durationMs: 30_000 });
    await f.addVideo('v2', 'bob', { privacy: 'friends' });
  });
  afterAll(async () => {
    await store.close();
    await f.close();
    await cache.close();
    await dropTestSchema(pgUrl);
    await cleanupTestRedis(redisUrl);
    await cleanupTestRedis(fsUrl);
  });

  it('records, counts, consumes and reconciles the same as the embedded backends', async () => {
    const likes = likesService(f);
    const comments = commentsService(f);
    expect(await likes.like('alice', 'v1')).toEqual({ liked: true, like_count: 1 });
    expect(await likes.like('alice', 'v1')).toEqual({ liked: true, like_count: 1 });
    expect(await likes.like('carol', 'v1')).toEqual({ liked: true, like_count: 2 });
    const made = [];
    for (let i = 0; i < 5; i++) {
      f.clock.advance(i % 2 ? 0 : 1000);
      made.push(await comments.create('alice', 'v1', `c${i}`));
    }
    // Newest first; same-millisecond comments fall back to id order.
    made.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
    const first = await comments.list('v1', undefined, { limit: 3 });
    const second = await comments.list('v1', undefined, { limit: 3, cursor: first.next_cursor! });
    expect([...first.items, ...second.items].map((c) => c.content)).toEqual(made.map((c) => c.content));
    expect(second.next_cursor).toBeNull();
    await sharesService(f).share('carol', 'v1', 'copy_link');

    // friends-only: visible to mutual followers only.
    await expect(likes.like('alice', 'v2')).rejects.toMatchObject({ code: 'VIDEO_NOT_FOUND' });
    await followsService(f).follow('alice', 'bob');
    await followsService(f).follow('bob', 'alice');
    expect((await likes.like('alice', 'v2')).like_count).toBe(1);
    // The profile counts what the viewer may open: the public v1 and, as a mutual follower, the friends-only v2.
    expect(await profilesService(f).get('bob', 'alice')).toMatchObject({
      follower_count: 1,
      video_count: 2,
      followed_by_viewer: true,
    });

    await clientEventsService(f).ingest({ deviceId: 'dev' }, [
      { client_event_id: 'a', type: 'progress', video_id: 'v1', watch_ms: 2500 },
      { client_event_id: 'b', type: 'complete', video_id: 'v1' },
      { client_event_id: 'c', type: 'not_interested', video_id: 'ghost' },
    ]);
    const batch = await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 1000);
    await consumerHandler(f, viewsConsumer(f))(batch);
    await consumerHandler(f, featuresConsumer({ ...f, featureStore: store }))(batch);
    expect((await f.counters.get(['v1'])).get('v1')).toEqual({ views: 1, likes: 2, comments: 5, shares: 1 });
    expect(await f.counters.flush()).toBe(2);
    expect(await recount(f.metadata, 'v1')).toEqual({ views: 1, likes: 2, comments: 5, shares: 1 });
    const row = await f.metadata.get('SELECT views, likes, comments, shares FROM video_counters WHERE video_id = $1', [
      'v1',
    ]);
    expect(row).toEqual({ views: 1, likes: 2, comments: 5, shares: 1 });
    // The event for an unknown video is dropped at ingest, so it never reaches a consumer.
    expect(await f.metadata.all('SELECT reason FROM dead_letters')).toEqual([]);
    expect((await store.history('d:dev')).map((h) => h.kind)).toEqual(['complete']);
  });
});
