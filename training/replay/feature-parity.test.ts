import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, pointInTimeFeatures } from '../../feature-store/definitions.ts';
import { featuresHydrator } from '../../feed/for-you/hydrators/features.hydrator.ts';
import { candidate, query } from '../../feed/for-you/testing/fixtures.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { OfflineState, replayKeys } from './offline-state.ts';
import { replayCatalog } from './requests.ts';

describe('replay features', () => {
  const ds = generateSynthetic({ users: 120, videos: 150, examples: 6000, seed: 9 });
  const all = [...ds.train, ...ds.validation, ...ds.test];

  it('equal, through the serving features hydrator, the point-in-time features training computes', async () => {
    const { features } = pointInTimeFeatures(ds, all);
    const offline = new OfflineState(ds);
    const catalog = replayCatalog(ds, 'test');
    const hydrator = featuresHydrator(offline.store(), { profiles: async (q) => ds.users[Number(q.userId)]?.nums });
    const picks = all.map((_, i) => i).filter((i) => all[i]!.timeMs >= ds.test[0]!.timeMs && i % 17 === 0);
    expect(picks.length).toBeGreaterThan(20);
    for (const i of picks) {
      const ex = all[i]!;
      offline.advanceTo(ex.timeMs);
      const c = candidate(catalog.get(replayKeys.video(ex.video))!);
      const q = query({
        actor: replayKeys.actor(ex.user),
        userId: String(ex.user),
        nowMs: ex.timeMs,
        surface: ex.tab,
      });
      await hydrator.hydrate(q, [c]);
      const got = Array.from(c.features!);
      const want = Array.from(features[i]!);
      got.forEach((v, f) => {
        expect(v, `${FEATURE_NAMES[f]} of example ${i}`).toBeCloseTo(want[f]!, 5);
      });
    }
  });

  it('serve the same vector from cached video counters as from a fresh read', async () => {
    const offline = new OfflineState(ds);
    offline.advanceTo(ds.test[0]!.timeMs);
    const catalog = replayCatalog(ds, 'test');
    let t = 0;
    const cached = featuresHydrator(offline.store(), { videoCacheMs: 1000, now: () => t });
    const fresh = featuresHydrator(offline.store());
    const q = query({ actor: replayKeys.actor(3), userId: '3', nowMs: ds.test[0]!.timeMs });
    const make = () =>
      catalog
        .all()
        .slice(0, 40)
        .map((v) => candidate(v));
    const a = make();
    const b = make();
    await cached.hydrate(q, a);
    t = 500;
    await cached.hydrate(q, b);
    const c = make();
    await fresh.hydrate(q, c);
    for (let i = 0; i < a.length; i++) {
      expect(Array.from(b[i]!.features!)).toEqual(Array.from(c[i]!.features!));
      expect(Array.from(a[i]!.features!)).toEqual(Array.from(c[i]!.features!));
    }
  });
});
