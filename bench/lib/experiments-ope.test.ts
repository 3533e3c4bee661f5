import { describe, expect, it } from 'vitest';
import type { ServedOutcome } from '../../ab/ope-log.ts';
import { concentration } from './experiments-cuped.ts';
import { opeFigures } from './experiments-ope.ts';

const START = 1_000_000;
/** One served item: `arm` of experiment x (none before the start), the page's depth, the reward. */
function item(i: number, arm: string, o: { slot?: boolean; position: number; depth: number; reward: number }) {
  const at = arm === 'none' ? START - 1000 + i : START + i;
  return {
    requestId: `r${i}`,
    position: o.position,
    userId: `u${i % 40}`,
    videoId: `v${i % 100}`,
    modelVersion: 'm',
    indexVersion: 'i',
    propensity: o.slot ? 1 / 100 : arm === 'random' ? 0.5 : 1,
    features: {
      ...(arm === 'none' ? {} : { [`arm:x:${arm}`]: 1 }),
      ...(o.slot ? { exploration_slot: 1 } : {}),
      session_served: o.depth,
    },
    servedAt: at,
    viewed: true,
    reward: o.reward,
  } satisfies ServedOutcome;
}

describe('the off-policy check of bench:experiments', () => {
  it('pairs the slot and the random arm on the first page of a session, in the experiment, control arms only', () => {
    const outcomes: ServedOutcome[] = [];
    let i = 0;
    // Slot decisions: reward 1 in 1 of 2 on first pages (pre-period and control arms), 0 deeper in the session.
    for (let k = 0; k < 200; k++) {
      const arm = ['none', 'control', 'control-2'][k % 3]!;
      outcomes.push(item(i++, arm, { slot: true, position: 5, depth: 0, reward: k % 2 }));
      outcomes.push(item(i++, arm, { slot: true, position: 5, depth: 10, reward: 0 }));
    }
    // The random arm at the slot's position: mostly first pages, reward 1 in 2.
    for (let k = 0; k < 100; k++)
      outcomes.push(item(i++, 'random', { position: 5, depth: k < 80 ? 0 : 10, reward: k % 2 }));
    const f = opeFigures({
      outcomes,
      experiment: 'x',
      start: START,
      randomQuota: 50,
      pageSize: 10,
      catalogue: Array.from({ length: 100 }, (_, k) => `v${k}`),
    });
    expect(f.slot_position).toBe(5);
    expect(f.catalogue_drawn_from).toBe(100);
    // 2/3 of the 200 first-page decisions were served under a control arm after the start.
    expect(f.logged_decisions).toBe(133);
    expect(f.snips.estimate).toBeCloseTo(f.online.estimate, 1);
    expect(f.diagnosis.page_mix[0]).toEqual({ logged: 0.5, online: 0.8 });
    expect(f.diagnosis.by_page[1]!.logged_mean).toBe(0);
    // Without the matching the slot's deep decisions pull the offline value down.
    expect(f.diagnosis.any_page_all_days.snips).toBeLessThan(f.snips.estimate - 0.15);
  });

  it('measures how much of a total the heaviest users hold', () => {
    const c = concentration([...new Array<number>(99).fill(1), 101]);
    expect(c.top_1pct_share).toBeCloseTo(101 / 200, 12);
    expect(c.top_10pct_share).toBeCloseTo((101 + 9) / 200, 12);
  });
});
