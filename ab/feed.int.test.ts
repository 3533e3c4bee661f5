import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from '../platform/feed/testing/feed-app.ts';
import { assignArm } from './assign.ts';
import { readExperimentFile } from './config.ts';
import { readExposures } from './exposure.ts';
import { start, stop } from './lifecycle.ts';

const SOURCE = new URL('../experiments/ab/fresh-boost.yaml', import.meta.url).pathname;

describe('the feed serves experiments started from experiments/ab', () => {
  let t: FeedTestApp;
  let viewers: { id: string; token: string }[];
  let file: string;
  beforeAll(async () => {
    t = await buildFeedTestApp('ab-feed', (deps) => ({ dataDir: deps.config.DATA_DIR, experimentsRefreshMs: 0 }));
    // The test app reads a copy of the feed settings; the experiment goes beside it, as in a deployment.
    const abDir = join(t.deps.config.FEED_CONFIG_DIR ?? new URL('../experiments/', import.meta.url).pathname, 'ab');
    mkdirSync(abDir, { recursive: true });
    file = join(abDir, 'fresh-boost.yaml');
    if (file !== SOURCE) copyFileSync(SOURCE, file);
    viewers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.register(`ab_viewer_${i}`)));
    const creator = await t.register('ab_creator');
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 30 }, (_, i) => ({ authorId: creator.id, createdAt: Date.now() - (i + 1) * 3_600_000 })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
  });
  afterAll(async () => t?.cleanup());

  const armsOf = async (token?: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/feed?limit=3&explain=1',
      headers: token ? { authorization: `Bearer ${token}` } : { 'x-device-id': 'device-ab-1' },
    });
    expect(res.statusCode).toBe(200);
    const arms = (res.json() as { explain: { arms: { experiment: string; arm: string }[] } }).explain.arms;
    return arms.find((a) => a.experiment === 'fresh-boost')?.arm;
  };

  it('buckets each viewer as the assignment says once started, logs one exposure per served viewer, and buckets nobody after the stop', async () => {
    const e = readExperimentFile(file);
    for (const v of viewers.slice(0, 3)) expect(await armsOf(v.token)).toBeUndefined();
    const dataDir = t.deps.config.DATA_DIR;
    const s = start(dataDir, e);
    for (const v of viewers)
      expect(await armsOf(v.token)).toBe(assignArm({ experiment: e, range: s.range }, `u:${v.id}`));
    // Signed-in viewers only: a device is never bucketed.
    expect(await armsOf()).toBeUndefined();
    // Each viewer served under an arm was logged once, with that arm, though served twice.
    for (const v of viewers) await armsOf(v.token);
    const logged = await readExposures(t.deps.events, e.name);
    for (const v of viewers)
      expect(logged.get(`u:${v.id}`)?.arm).toBe(assignArm({ experiment: e, range: s.range }, `u:${v.id}`));
    stop(dataDir, e.name);
    for (const v of viewers) expect(await armsOf(v.token)).toBeUndefined();
  });
});
