import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assignArm } from '../../ab/assign.ts';
import { readExperimentFile } from '../../ab/config.ts';
import { readState } from '../../ab/state.ts';
import { dayOf, newTruth, type UserTruth } from '../../sim/metrics.ts';
import { Rng } from '../../sim/rng.ts';
import { AB_EXPERIMENT, FROZEN_ARM, LOOP_ARM, loopVsFrozen, pinFrozen, startLoopAb, stopLoopAb } from './ab.ts';

/** Users whose own level (watch per session) carries over the days; the loop arm gains `lift` from day 2. */
function truths(n: number, lift: number, seed: number): UserTruth[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, u) => {
    const t = newTruth(u, u % 2 === 0 ? LOOP_ARM : FROZEN_ARM);
    const level = 10 + 20 * rng.next();
    for (let d = 0; d < 4; d++) {
      const day = dayOf(t, d);
      day.sessions = 2;
      const gain = d >= 2 && t.arm === LOOP_ARM ? lift : 0;
      day.watchMs = 2 * 1000 * (level + gain + 2 * (rng.next() - 0.5));
      day.served = 20;
    }
    return t;
  });
}

describe('loopVsFrozen', () => {
  it('finds the lift, and CUPED with the pre-period narrows the interval', () => {
    const ab = loopVsFrozen(truths(200, 1.5, 3), 2, 4);
    expect(ab.users).toBe(200);
    expect(ab.users_per_arm).toEqual({ [LOOP_ARM]: 100, [FROZEN_ARM]: 100 });
    expect(ab.cuped.ci[0]).toBeLessThan(1.5);
    expect(ab.cuped.ci[1]).toBeGreaterThan(1.5);
    expect(ab.cuped.ci[0]).toBeGreaterThan(0);
    expect(ab.cuped.variance_reduction).toBeGreaterThan(0.9);
    expect(ab.cuped.ci[1] - ab.cuped.ci[0]).toBeLessThan((ab.raw.ci[1] - ab.raw.ci[0]) / 3);
  });

  it('the declared regression adjustment finds the lift, a user without a pre-period not taken for a level of 0', () => {
    const ts = truths(300, 1.5, 7);
    // Every third user arrives on day 2: no pre-period, a level of their own (new users watch less).
    for (const t of ts.filter((_, i) => i % 3 === 0)) {
      for (const d of [0, 1]) Object.assign(dayOf(t, d), { sessions: 0, watchMs: 0, served: 0 });
      for (const d of [2, 3]) dayOf(t, d).watchMs -= 2 * 1000 * 8;
    }
    const ab = loopVsFrozen(ts, 2, 4);
    expect(ab.users_with_pre_period).toBe(200);
    expect(ab.adjusted.ci[0]).toBeGreaterThan(0);
    expect(ab.adjusted.ci[0]).toBeLessThan(1.5);
    expect(ab.adjusted.ci[1]).toBeGreaterThan(1.5);
    // Single-covariate CUPED takes the newcomers' 0 for a level: it removes less, and its interval is wider.
    expect(ab.adjusted.variance_reduction).toBeGreaterThan(ab.cuped.variance_reduction + 0.1);
    expect(ab.adjusted.ci[1] - ab.adjusted.ci[0]).toBeLessThan(ab.cuped.ci[1] - ab.cuped.ci[0]);
  });

  it('counts only users of the two arms with a session on the compared days', () => {
    const ts = truths(20, 0, 5);
    ts[0]!.arm = 'none';
    dayOf(ts[1]!, 2).sessions = 0;
    dayOf(ts[1]!, 3).sessions = 0;
    expect(loopVsFrozen(ts, 2, 4).users).toBe(18);
  });
});

describe('the loop-vs-frozen experiment', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with both arms on production, pins the frozen arm without moving a user, stops', () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-loop-ab-'));
    const feedDir = join(dir, 'feed');
    startLoopAb(dir, feedDir);
    const file = join(feedDir, 'ab', `${AB_EXPERIMENT}.yaml`);
    const before = readExperimentFile(file);
    expect(before.arms.map((a) => a.overrides)).toEqual([{}, {}]);
    const state = readState(dir)[AB_EXPERIMENT]!;
    const arms = (e: typeof before) =>
      Array.from({ length: 50 }, (_, i) => assignArm({ experiment: e, range: state.range, stoppedArms: [] }, `u:${i}`));
    pinFrozen(feedDir, { ranker: 'r1', two_tower: 't1' });
    const after = readExperimentFile(file);
    expect(after.arms.find((a) => a.name === FROZEN_ARM)!.overrides).toEqual({
      value_model: { ranker_version: 'r1' },
      sources: { two_tower: { model_version: 't1' } },
    });
    expect(after.arms.find((a) => a.name === LOOP_ARM)!.overrides).toEqual({});
    expect(arms(after)).toEqual(arms(before));
    expect(new Set(arms(after))).toEqual(new Set([LOOP_ARM, FROZEN_ARM]));
    stopLoopAb(dir, 'done');
    expect(readState(dir)[AB_EXPERIMENT]!.status).toBe('stopped');
  });
});
