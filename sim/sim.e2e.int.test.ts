import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ForyouClient } from '../platform/client/index.ts';
import { loadPlatformDataset } from '../training/data/platform.loader.ts';
import { BASELINES_EXPERIMENT, writeArmsConfig } from './arms.ts';
import { seedRealCatalogue } from './catalogue.ts';
import { type PlatformProcess, simPlatformEnv, startPlatform } from './platform-process.ts';
import { Simulation } from './runner.ts';
import { loadWorld, resized } from './world.ts';

// End to end: the simulator as a separate client of a real platform process (embedded stores), real
// clips through the upload and transcode path, a few users for two simulated days, over HTTP only.
describe('the user simulator against a real platform', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-sim-e2e-'));
  let platform: PlatformProcess | undefined;
  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drives users through feed pages, events and likes for two days and reports their ground truth per arm', async () => {
    const data = join(dir, 'data');
    platform = await startPlatform(simPlatformEnv(data, { FEED_CONFIG_DIR: writeArmsConfig(join(dir, 'feed')) }));
    const world = resized(loadWorld('world-a'), {
      videos: 16,
      creators: 8,
      users: 9,
      arrivalsPerDay: 1,
      uploadsPerDay: 1,
    });
    const catalogue = await seedRealCatalogue(platform.base, world, { manifest: join(dir, 'manifest.json') });
    expect(Object.keys(catalogue.videos)).toHaveLength(16);
    const clockBefore = await new ForyouClient({ baseUrl: platform.base }).simClock();
    const report = await new Simulation({
      baseUrl: platform.base,
      world,
      catalogue,
      days: 2,
      concurrency: 4,
      armExperiment: BASELINES_EXPERIMENT,
    }).run();
    expect(report).toMatchObject({ via_http: true, clock: 'simulated', days: 2 });
    expect(report.users).toBeGreaterThanOrEqual(9);
    expect(report.cost.errors).toBe(0);
    const arms = Object.keys(report.arms);
    expect(arms.every((a) => ['pipeline', 'popular', 'random'].includes(a))).toBe(true);
    const served = Object.values(report.arms).reduce((s, a) => s + a.impressions, 0);
    expect(served).toBeGreaterThan(9);
    for (const a of Object.values(report.arms)) {
      expect(a.true_affinity.mean).toBeGreaterThanOrEqual(0);
      expect(a.true_affinity.mean).toBeLessThanOrEqual(1);
    }
    const clockAfter = await new ForyouClient({ baseUrl: platform.base }).simClock();
    expect(clockAfter.now_ms - clockBefore.now_ms).toBeGreaterThan(36 * 3_600_000);

    // What the users did is in the platform's own log, ready for training.
    const ds = await loadPlatformDataset({
      metadataUrl: `sqlite://${data}/foryou.db`,
      eventsUrl: `sqlite://${data}/events.db`,
    });
    const examples = ds.train.length + ds.validation.length + ds.test.length;
    expect(examples).toBeGreaterThan(0);
    expect(ds.videos.every((v) => v.author > 0 && v.tags[0]! > 0)).toBe(true);
    expect(ds.train.some((e) => e.labels.watchRatio > 0)).toBe(true);
  }, 300_000);
});
