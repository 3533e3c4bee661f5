import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../../core/events/ports.ts';
import { featuresConsumer } from '../engagement/consumers/features.consumer.ts';
import { startConsumer } from '../engagement/consumers/runner.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

const H = 3_600_000;
type Page = { items: { id: string; author: { id: string } }[] };

/**
 * End to end through HTTP: engagement routes append to the event log, the real features consumer folds
 * it into the feature store, and the next feed request reads it. The page must react within a second.
 */
describe('feed reaction to engagement', () => {
  let t: FeedTestApp;
  let sub: Subscription;
  const creators: { id: string }[] = [];
  let videosOf: Map<string, string[]>;

  beforeAll(async () => {
    t = await buildFeedTestApp('feed-reaction');
    sub = await startConsumer(
      t.deps,
      featuresConsumer({ metadata: t.deps.metadata, cache: t.deps.cache, featureStore: t.featureStore }),
      {
        maxBatch: 100,
      },
    );
    for (let i = 0; i < 8; i++) creators.push(await t.register(`maker_${i}`));
    const now = Date.now();
    // Creator i's uploads are i hours older than creator 0's: without a signal, newer creators lead.
    const rows = creators.flatMap((c, i) =>
      Array.from({ length: 6 }, (_, j) => ({
        authorId: c.id,
        createdAt: now - (i * 6 + j + 1) * H,
        hashtags: [`topic${i}`],
      })),
    );
    const ids = await seedVideos(t.deps.metadata, rows);
    videosOf = new Map(creators.map((c) => [c.id, ids.filter((_, k) => rows[k]!.authorId === c.id)]));
    await t.runtime.catalog.load(t.deps.metadata);
    await t.runtime.maintainer.backfill();
  });
  afterAll(async () => {
    await sub?.stop();
    await t?.cleanup();
  });

  async function reactsWithin(token: string, target: string): Promise<number> {
    const start = performance.now();
    for (;;) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/feed?limit=5',
        headers: { authorization: `Bearer ${token}` },
      });
      const page = res.json() as Page;
      if (page.items[0]?.author.id === target) return performance.now() - start;
      if (performance.now() - start > 5_000) return Number.POSITIVE_INFINITY;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('a like moves the liked creator to the top of the next page within 1 s', async () => {
    const viewer = await t.register('liker');
    const auth = { authorization: `Bearer ${viewer.token}` };
    const target = creators[7]!.id;
    const before = (await t.app.inject({ method: 'GET', url: '/api/v1/feed?limit=5', headers: auth })).json() as Page;
    expect(before.items[0]!.author.id).not.toBe(target);
    const like = await t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${videosOf.get(target)![0]}/like`,
      headers: auth,
    });
    expect(like.statusCode).toBe(200);
    expect(await reactsWithin(viewer.token, target)).toBeLessThan(1_000);
  });

  it('a long view (a completed watch) does the same', async () => {
    const viewer = await t.register('watcher');
    const auth = { authorization: `Bearer ${viewer.token}` };
    const target = creators[6]!.id;
    const before = (await t.app.inject({ method: 'GET', url: '/api/v1/feed?limit=5', headers: auth })).json() as Page;
    expect(before.items[0]!.author.id).not.toBe(target);
    const video = videosOf.get(target)![0]!;
    const events = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: auth,
      payload: {
        events: [
          { client_event_id: 'w-1', type: 'play_start', video_id: video, ts: Date.now() },
          {
            client_event_id: 'w-2',
            type: 'complete',
            video_id: video,
            watch_ms: 15_000,
            duration_ms: 15_000,
            ts: Date.now(),
          },
        ],
      },
    });
    expect(events.statusCode).toBeLessThan(300);
    expect(await reactsWithin(viewer.token, target)).toBeLessThan(1_000);
  });
});
