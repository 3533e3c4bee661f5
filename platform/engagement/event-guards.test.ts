import { describe, expect, it } from 'vitest';
import {
  clampWatchToDuration,
  fitWatchToBudget,
  isFromTheFuture,
  MAX_CLIENT_CLOCK_AHEAD_MS,
  WATCH_BUDGET_MS,
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
});
