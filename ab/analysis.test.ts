import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import { aggregate, analyse, DAY_MS, exposedUsers } from './analysis.ts';
import { armIndex } from './assign.ts';
import { type ExperimentFile, loadExperiments } from './config.ts';
import { applyChecks, ship, start, stop } from './lifecycle.ts';
import { buildReport } from './report.ts';
import { readLog, readState } from './state.ts';

const EXAMPLES = new URL('../experiments/', import.meta.url).pathname;
const { experiments, metrics } = loadExperiments(join(EXAMPLES, 'ab'));
const base = experiments.find((e) => e.name === 'fresh-boost')!;
const experiment: ExperimentFile = {
  ...base,
  traffic: 1,
  analysis: { ...base.analysis, duration_days: 2, pre_period_days: 1 },
};
const START = 1_800_000_000_000;

/** Users with a taste for watching (stable across days) and, in the treatment, `lift` more watch time. */
function log(users: number, lift: number): PlatformEngagementEvent[] {
  const out: PlatformEngagementEvent[] = [];
  let seed = 1;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let u = 0; u < users; u++) {
    // The engagement log names users by actor, as the platform writes it.
    const userId = `u:user-${u}`;
    const treated = armIndex(experiment, userId) === 1;
    const taste = 5_000 + 20_000 * rand();
    for (let day = -1; day < 2; day++)
      for (let i = 0; i < 10; i++) {
        const t = START + day * DAY_MS + 3_600_000 * (1 + 2 * i) + Math.floor(rand() * 1000);
        const watch = taste * (0.5 + rand()) * (treated && day >= 0 ? 1 + lift : 1);
        out.push({ type: 'impression', userId, videoId: `v${i}`, timeMs: t });
        out.push({ type: 'skip', userId, videoId: `v${i}`, timeMs: t + 1, watchMs: watch, durationMs: 30_000 });
      }
  }
  return out;
}

describe('analysis from the event log', () => {
  it('sums a user’s events into the aggregates', () => {
    const events: PlatformEngagementEvent[] = [
      { type: 'impression', userId: 'u', videoId: 'a', timeMs: 0 },
      { type: 'complete', userId: 'u', videoId: 'a', timeMs: 10, watchMs: 8000, durationMs: 8000 },
      { type: 'impression', userId: 'u', videoId: 'b', timeMs: DAY_MS + 5 },
      { type: 'skip', userId: 'u', videoId: 'b', timeMs: DAY_MS + 6, watchMs: 1000, durationMs: 10_000 },
      { type: 'like', userId: 'u', videoId: 'a', timeMs: 11 },
    ];
    expect(aggregate(events, 0, 2 * DAY_MS)).toMatchObject({
      impressions: 2,
      watch_s: 9,
      long_views: 1,
      likes: 1,
      sessions: 2,
      active_days: 2,
      returned_next_day: 1,
    });
  });

  it('finds a planted 15 % lift, with CUPED removing most of the variance, and no sample ratio mismatch', () => {
    const users = exposedUsers(
      log(1000, 0.15),
      { experiment, range: [0, 1] },
      { start: START, end: START + 2 * DAY_MS, preDays: 1 },
    );
    expect(users.length).toBe(1000);
    const a = analyse({ experiment, metrics, users, start: START, asOf: START + 2 * DAY_MS });
    const watch = a.metrics.find((m) => m.metric === 'watch_time_s')!;
    expect(watch.comparison.relative).toBeGreaterThan(0.1);
    expect(watch.comparison.relative).toBeLessThan(0.2);
    expect(watch.better).toBe(true);
    expect(watch.variance_reduction).toBeGreaterThan(0.5);
    expect(a.srm.mismatch).toBe(false);
    expect(a.information_fraction).toBe(1);
    expect(a.boundaries.length).toBe(5);
    // Past the planned end the last look is the final one (not a sixth).
    const late = analyse({ experiment, metrics, users, start: START, asOf: START + 2 * DAY_MS + 1000 });
    expect(late.boundaries).toEqual(a.boundaries);
    expect(a.boundaries[4]).toBeCloseTo(2.031, 2);
    expect(a.recommended_users_per_arm).toBeGreaterThan(0);
  });

  it('takes arms and exposure times from the exposure events when there are any', () => {
    const events = log(20, 0);
    const exposures = new Map([
      ['u:user-3', { experiment: experiment.name, arm: 'more-fresh', actor: 'u:user-3', at: START + 5 }],
    ]);
    const users = exposedUsers(
      events,
      { experiment, range: [0, 1] },
      { start: START, end: START + DAY_MS, preDays: 1 },
      exposures,
    );
    expect(users.map((u) => [u.userId, u.arm, u.exposedAt])).toEqual([['u:user-3', 'more-fresh', START + 5]]);
    const inferred = exposedUsers(
      events,
      { experiment, range: [0, 1] },
      { start: START, end: START + DAY_MS, preDays: 1 },
    );
    expect(inferred.find((u) => u.userId === 'u:user-3')?.arm).toBe(
      experiment.arms[armIndex(experiment, 'u:user-3')]!.name,
    );
  });

  it('writes a report with the verdict and both plots', () => {
    const users = exposedUsers(
      log(400, 0),
      { experiment, range: [0, 1] },
      { start: START, end: START + DAY_MS, preDays: 1 },
    );
    const r = buildReport({ experiment, metrics, users, start: START, asOf: START + DAY_MS });
    expect(r.markdown).toMatch(/## Verdict/);
    expect(r.markdown).toMatch(/No decision yet/);
    expect(r.svgs['effect.svg']).toMatch(/^<svg /);
    expect(r.svgs['distribution.svg']).toMatch(/polyline/);
    expect(r.timeline.length).toBe(12);
  });
});

describe('lifecycle', () => {
  it('starts, pauses on a sample ratio mismatch, stops and ships into feed.yaml', () => {
    const data = mkdtempSync(join(tmpdir(), 'ab-life-'));
    const conf = mkdtempSync(join(tmpdir(), 'ab-conf-'));
    copyFileSync(join(EXAMPLES, 'feed.yaml'), join(conf, 'feed.yaml'));
    const s = start(data, base, START);
    expect(s.range).toEqual([0, 0.5]);
    expect(() => start(data, base, START)).toThrow(/already running/);
    const users = exposedUsers(
      log(1000, 0),
      { experiment, range: [0, 1] },
      { start: START, end: START + DAY_MS, preDays: 1 },
    );
    const a = analyse({
      experiment,
      metrics,
      users: users.filter((u, i) => u.arm === 'control' || i % 3 > 0),
      start: START,
      asOf: START + DAY_MS,
    });
    expect(applyChecks(data, a, START + 1)).toEqual([expect.stringMatching(/^paused: sample ratio mismatch/)]);
    expect(readState(data)['fresh-boost']?.status).toBe('paused');
    stop(data, 'fresh-boost', 'done', START + 2);
    ship(data, conf, base, 'more-fresh', START + 3);
    const feed = parse(readFileSync(join(conf, 'feed.yaml'), 'utf8'));
    expect(feed.defaults.sources.fresh.quota).toBe(100);
    expect(feed.defaults.sources.fresh.max_age_hours).toBe(72);
    expect(feed.defaults.rerankers.freshness_boost.boost).toBe(0.6);
    expect(readFileSync(join(conf, 'feed.yaml'), 'utf8')).toMatch(/^# The For You/);
    expect(readLog(data).map((l) => l.event)).toEqual(['started', 'paused', 'stopped', 'shipped']);
  });
});
