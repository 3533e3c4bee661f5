import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCache } from '../../core/cache/open.ts';
import { VideoCounters } from './counters.ts';
import { likesService } from './likes.service.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

describe('video counters', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
    for (const u of ['a', 'b', 'c']) await f.addUser(u);
    await f.addVideo('v1', 'a');
    await f.addVideo('v2', 'a');
  });
  afterEach(() => f.close());

  const row = (id: string) =>
    f.metadata.get('SELECT views, likes, comments, shares FROM video_counters WHERE video_id = $1', [id]);

  it('counts in the cache at once and writes behind on flush, only what changed', async () => {
    await f.counters.add('v1', { likes: 2, views: 5 });
    expect((await f.counters.get(['v1', 'v2'])).get('v1')).toEqual({ views: 5, likes: 2, comments: 0, shares: 0 });
    expect(await row('v1')).toBeUndefined();
    expect(await f.counters.flush()).toBe(1);
    expect(await row('v1')).toEqual({ views: 5, likes: 2, comments: 0, shares: 0 });
    expect(await f.counters.flush()).toBe(0);
    await f.counters.add('v1', { views: 1 });
    expect(await f.counters.flush()).toBe(1);
    expect(await row('v1')).toMatchObject({ views: 6 });
  });

  it('keeps videos dirty when the flush cannot write', async () => {
    await f.counters.add('v1', { views: 2 });
    await f.metadata.run('ALTER TABLE video_counters RENAME TO vc_away');
    await expect(f.counters.flush()).rejects.toThrow();
    await f.metadata.run('ALTER TABLE vc_away RENAME TO video_counters');
    expect(await f.counters.flush()).toBe(1);
    expect(await row('v1')).toMatchObject({ views: 2 });
  });

  it('starts from the last flush when the cache comes back empty', async () => {
    await f.counters.add('v1', { likes: 3 });
    await f.counters.flush();
    const cold = await openCache('memory://');
    const again = new VideoCounters({ cache: cold, metadata: f.metadata, clock: f.clock });
    expect((await again.get(['v1'])).get('v1')!.likes).toBe(3);
    expect((await again.add('v1', { likes: 1 })).likes).toBe(4);
    await cold.close();
  });

  it('increments many videos at once, seeding a cold cache from the last flush and marking each dirty', async () => {
    await f.counters.add('v1', { likes: 3 });
    await f.counters.flush();
    const cold = await openCache('memory://');
    const again = new VideoCounters({ cache: cold, metadata: f.metadata, clock: f.clock });
    await again.incrementMany(
      new Map([
        ['v1', { views: 2 }],
        ['v2', { views: 1, shares: 4 }],
      ]),
    );
    const counts = await again.get(['v1', 'v2']);
    expect(counts.get('v1')).toEqual({ views: 2, likes: 3, comments: 0, shares: 0 });
    expect(counts.get('v2')).toEqual({ views: 1, likes: 0, comments: 0, shares: 4 });
    expect(await again.flush()).toBe(2);
    expect(await row('v2')).toEqual({ views: 1, likes: 0, comments: 0, shares: 4 });
    await cold.close();
  });

  it('reconciles drifted counts from the durable records', async () => {
    const likes = likesService(f);
    await likes.like('b', 'v1');
    await likes.like('c', 'v1');
    await f.metadata.run(
      'INSERT INTO views (user_key, video_id, hour_bucket, watch_ms, created_at) VALUES ($1, $2, 1, 3000, 1)',
      ['d:x', 'v1'],
    );
    await f.counters.add('v1', { likes: 40, shares: 7 });
    expect(await f.counters.reconcileAll(1)).toBe(2);
    const want = { views: 1, likes: 2, comments: 0, shares: 0 };
    expect((await f.counters.get(['v1'])).get('v1')).toEqual(want);
    expect(await row('v1')).toEqual(want);
  });

  it('after a crash, recounts the videos engaged with since the last flush', async () => {
    const likes = likesService(f);
    await likes.like('b', 'v1');
    await f.counters.flush();
    const flushedAt = await f.counters.lastFlushAt();
    expect(flushedAt).toBe(f.clock.now());
    // Likes after the flush, then the process dies with its in-memory cache: the records stay.
    f.clock.advance(60_000);
    await likes.like('c', 'v1');
    await likes.like('c', 'v2');
    const cold = await openCache('memory://');
    const restarted = new VideoCounters({ cache: cold, metadata: f.metadata, clock: f.clock });
    expect((await restarted.get(['v1'])).get('v1')!.likes).toBe(1);
    expect(await restarted.reconcileSince(flushedAt - 10_000)).toBe(2);
    const now = await restarted.get(['v1', 'v2']);
    expect([now.get('v1')!.likes, now.get('v2')!.likes]).toEqual([2, 1]);
    await cold.close();
  });
});
