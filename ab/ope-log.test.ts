import { describe, expect, it } from 'vitest';
import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import { mulberry32 } from './calibration.ts';
import {
  compareWithOnline,
  crossFittedSlotDecisions,
  onlineValue,
  type ServedOutcome,
  servedOutcomes,
  slotDecisions,
  videoRewardModel,
} from './ope-log.ts';

const served = (user: string, video: string, at: number, features: Record<string, number>, propensity = 1) => ({
  requestId: `r${at}`,
  position: 5,
  userId: user,
  videoId: video,
  modelVersion: 'm',
  indexVersion: 'i',
  propensity,
  features,
  servedAt: at,
});
const ev = (type: PlatformEngagementEvent['type'], user: string, video: string, timeMs: number, watchMs?: number) =>
  ({ type, userId: `u:${user}`, videoId: video, timeMs, ...(watchMs ? { watchMs, durationMs: 4000 } : {}) }) as const;

describe('off-policy evaluation from the serve and engagement logs', () => {
  it('labels each serve by what followed it until the next serve of the same video', () => {
    const slot = { exploration_slot: 1 };
    const out = servedOutcomes(
      [served('a', 'v1', 1000, slot, 0.001), served('a', 'v1', 5000, slot, 0.001), served('b', 'v2', 1000, {})],
      [
        ev('impression', 'a', 'v1', 1100),
        ev('complete', 'a', 'v1', 3000),
        ev('impression', 'a', 'v1', 5100),
        ev('skip', 'a', 'v1', 6000, 1000),
      ],
    );
    expect(out.map((o) => [o.viewed, o.reward])).toEqual([
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
  });

  it('turns viewed slot items into weighted decisions and a reward model into its expectation', () => {
    const o = (video: string, reward: number, slot: boolean, propensity = 0.01): ServedOutcome => ({
      ...served('a', video, 0, slot ? { exploration_slot: 1 } : {}, propensity),
      viewed: true,
      reward,
    });
    // Training: v1 seen 3 times with 3 long views, v2 once without; overall 3/4, prior weight 1.
    const model = videoRewardModel([o('v1', 1, false), o('v1', 1, false), o('v1', 1, false), o('v2', 0, false)], 1);
    expect(model('v1')).toBeCloseTo((3 + 0.75) / 4, 12);
    expect(model('v2')).toBeCloseTo(0.75 / 2, 12);
    expect(model('v9')).toBeCloseTo(0.75, 12);
    const d = slotDecisions([o('v1', 1, true), o('v2', 0, false)], () => 0.25, {
      predict: model,
      catalogue: ['v1', 'v2', 'v3', 'v4'],
    });
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ propensity: 0.01, reward: 1, target: 0.25 });
    expect(d[0]!.predictedUnderTarget).toBeCloseTo(0.25 * (3.75 / 4 + 0.375 + 0.75 + 0.75), 12);
  });

  it('measures the online reward per viewed item with the viewer as the unit', () => {
    const o = (user: string, reward: number, viewed = true): ServedOutcome => ({
      ...served(user, 'v', 0, {}),
      viewed,
      reward,
    });
    const v = onlineValue([o('a', 1), o('a', 0), o('b', 1), o('c', 0), o('c', 1, false)]);
    expect(v.estimate).toBeCloseTo(2 / 4, 12);
    expect(v.items).toBe(4);
    expect(v.viewers).toBe(3);
    expect(v.ci95[0]).toBeLessThan(0.5);
  });

  it('cross-fits the reward model: a decision is predicted from the other folds only', () => {
    const o = (user: string, video: string, reward: number): ServedOutcome => ({
      ...served(user, video, 0, { exploration_slot: 1 }, 0.5),
      viewed: true,
      reward,
    });
    // Each viewer has one video of their own; only viewer a had a long view. Predicting a's decision from
    // a's own item would give (1 + 5·overall)/6 > 0; from the others it is their overall rate, 0.
    const logged = ['a', 'b', 'c', 'd', 'e', 'f'].map((u, i) => o(u, `v${i}`, u === 'a' ? 1 : 0));
    const d = crossFittedSlotDecisions({ logged, training: logged, target: () => 0.5, catalogue: ['v0'] });
    expect(d).toHaveLength(6);
    expect(d.find((x) => x.reward === 1)!.predicted).toBe(0);
  });

  it('keeps doubly robust near the value where a model of the targeted items overstates it', () => {
    // 200 videos. The slot never draws what a viewer has seen: videos 0-19, popular, which the pipeline
    // shows to their fans (long views 0.8) while a random viewer long-views them like the rest. It draws
    // uniformly among the other 180 and logs the catalogue-wide chance, 1/200. The candidate (uniform,
    // redrawing past the seen filter) is worth the mean of p over videos 20-199.
    const rand = mulberry32(7);
    const videos = Array.from({ length: 200 }, (_, i) => `v${i}`);
    const p = videos.map((_, i) => 0.05 + (0.3 * ((i * 37) % 100)) / 100);
    const truth = p.slice(20).reduce((a, x) => a + x, 0) / 180;
    const out: ServedOutcome[] = [];
    for (let i = 0; i < 9000; i++) {
      const slot = i % 3 === 0;
      const v = slot ? 20 + Math.floor(rand() * 180) : Math.floor(rand() * 200);
      const rate = slot ? p[v]! : v < 20 ? 0.8 : p[v]! + 0.1;
      out.push({
        ...served(`u${i % 900}`, videos[v]!, i, slot ? { exploration_slot: 1 } : {}, 1 / 200),
        viewed: true,
        reward: rand() < rate ? 1 : 0,
      });
    }
    const common = { logged: out, online: [], target: () => 1 / 200, catalogue: videos };
    const crossFit = compareWithOnline(common).dr;
    const targeted = compareWithOnline({ ...common, rewardModel: 'pipeline' }).dr;
    expect(Math.abs(crossFit.estimate - truth)).toBeLessThan(1.96 * crossFit.se);
    expect(targeted.estimate - truth).toBeGreaterThan(3 * targeted.se);
  });
});
