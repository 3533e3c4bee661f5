import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../../core/events/ports.ts';
import { QueryTower } from '../../retrieval/query-tower.ts';
import { exportTwoTower } from '../../training/export/two-tower.export.ts';
import { tinyDataset, tinyTwoTower } from '../../training/models/common/test-models.ts';
import { featuresConsumer } from '../engagement/consumers/features.consumer.ts';
import { startConsumer } from '../engagement/consumers/runner.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

/**
 * A viewer's embedding is the trained query tower over their history as the online feature store holds
 * it, computed per request (`feed/for-you/query-vector.ts`): nothing is precomputed that could go stale.
 * End to end: a like through HTTP, the event log, the real features consumer, the feature store, and the
 * exported ONNX query tower (trained on a dataset whose videos are the platform's).
 */
describe("a user's embedding", () => {
  let t: FeedTestApp;
  let sub: Subscription;
  let tower: QueryTower;
  let videos: string[];
  const dir = mkdtempSync(join(tmpdir(), 'foryou-user-embedding-'));

  beforeAll(async () => {
    t = await buildFeedTestApp('user-embedding');
    sub = await startConsumer(
      t.deps,
      featuresConsumer({ metadata: t.deps.metadata, cache: t.deps.cache, featureStore: t.featureStore }),
      { maxBatch: 100 },
    );
    const creator = await t.register('maker');
    const ds = tinyDataset();
    const now = Date.now();
    videos = await seedVideos(
      t.deps.metadata,
      ds.videos.map((_, i) => ({ authorId: creator.id, createdAt: now - (i + 1) * 60_000 })),
    );
    const model = await tinyTwoTower({ ...ds, videos: ds.videos.map((v, i) => ({ ...v, externalId: videos[i]! })) });
    exportTwoTower(model, dir);
    tower = await QueryTower.load(dir);
  }, 60_000);
  afterAll(async () => {
    await tower?.close();
    await sub?.stop();
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reflects a like within 5 s', async () => {
    const viewer = await t.register('viewer');
    const embedding = async () =>
      tower.embed({
        userId: viewer.id,
        history: (await t.featureStore.history(`u:${viewer.id}`)).map((h) => h.video),
      });
    const before = await embedding();
    const liked = videos[17]!;
    const start = performance.now();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${liked}/like`,
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    expect(res.statusCode).toBe(200);
    let after = before;
    while (performance.now() - start < 5_000) {
      after = await embedding();
      if (after.some((v, i) => v !== before[i])) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const elapsed = performance.now() - start;
    expect(elapsed).toBeLessThan(5_000);
    // It is the like that moved it: the tower over exactly that one-video history.
    expect([...after]).toEqual([...(await tower.embed({ userId: viewer.id, history: [liked] }))]);
  });
});
