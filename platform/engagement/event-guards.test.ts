import { describe, expect, it } from 'vitest';
import {
  chargeWatch,
  clampWatchToDuration,
  fitWatchToBudget,
  isFromTheFuture,
  MAX_CLIENT_CLOCK_AHEAD_MS,
  WATCH_BUDGET_MS,
  watchIncreases,
} from './event-guards.ts';

describe('event guards', () => {
  it('clamps 24 h of watch on a 3 s video to 3 s, and keeps honest figures', () => {
    expect(clampWatchToDuration(24 * 3_600_000, 3000)).toBe(3000);
    expect(clampWatchToDuration(1200, 3000)).toBe(1200);
    expect(clampWatchToDuration(5000, null)).toBe(5000);
  });

  it('flags client timestamps beyond the allowed clock skew', () => {
    const now = 1_000_000_000;
    expect(isFromTheFuture(now + MAX_CLIENT_CLOCK_AHEAD_MS + 1, now)).toBe(true);
    expect(isFromTheFuture(now + 1000, now)).toBe(false);
    expect(isFromTheFuture(undefined, now)).toBe(false);
  });

  it('cuts the part of an event over the per-actor wall-clock budget', () => {
    expect(fitWatchToBudget(1000, WATCH_BUDGET_MS - 5)).toBe(1000);
    expect(fitWatchToBudget(1000, WATCH_BUDGET_MS + 400)).toBe(600);
    expect(fitWatchToBudget(1000, WATCH_BUDGET_MS + 5000)).toBe(0);
  });

  it('charges a view by the increase of its running total; an impression or play_start restarts it', () => {
    const p = (watchMs: number, view = 'a') => ({ view, type: 'progress', watchMs });
    const events = [
      p(10_000),
      p(20_000),
      p(20_000), // a repeat adds nothing
      p(15_000), // nor does an older total
      { view: 'b', type: 'play_start' },
      p(5000, 'b'),
      { view: 'a', type: 'play_start' },
      p(4000),
    ];
    const prior = new Map([['a', 8000]]);
    const inc = watchIncreases(events, prior);
    expect(inc).toEqual([2000, 10_000, 0, 0, undefined, 5000, undefined, 4000]);
    const within = chargeWatch(events, prior, inc, 0);
    expect(within.watch).toEqual([10_000, 20_000, 20_000, 15_000, undefined, 5000, undefined, 4000]);
    expect([...within.counted]).toEqual([
      ['a', 4000],
      ['b', 5000],
    ]);
  });

  it('past the budget a view keeps the total it had counted', () => {
    const events = [
      { view: 'a', type: 'play_start' },
      { view: 'a', type: 'progress', watchMs: 10_000 },
      { view: 'a', type: 'progress', watchMs: 30_000 },
      { view: 'a', type: 'progress', watchMs: 50_000 },
    ];
    const inc = watchIncreases(events, new Map());
    // 15 s of budget left: the first 10 s fit, 5 of the next 20, none of the last 20.
    const { watch, counted } = chargeWatch(events, new Map(), inc, WATCH_BUDGET_MS - 15_000);
    expect(watch).toEqual([undefined, 10_000, 15_000, 15_000]);
    expect(counted.get('a')).toBe(15_000);
  });
});
