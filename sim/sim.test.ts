import { describe, expect, it } from 'vitest';
import { react, returnProbability, sessionsToday, tasteNoise, trueAffinity } from './behaviour.ts';
import { bootstrap, gini, overSeeds, relativeLift } from './metrics.ts';
import {
  activityToday,
  drift,
  makeCatalogue,
  makeCreators,
  makeUser,
  onboardingTopics,
  wanderActivity,
} from './population.ts';
import { rng } from './rng.ts';
import { summariseTrace, traceRow } from './trace.ts';
import { loadWorld, resized } from './world.ts';

const worlds = ['world-a', 'world-b'].map((w) => loadWorld(w));

describe('simulated worlds', () => {
  it('loads both versioned worlds, which differ where world B is meant to be harder', () => {
    const [a, b] = worlds as [ReturnType<typeof loadWorld>, ReturnType<typeof loadWorld>];
    expect(a.catalogue.topics.length).toBeGreaterThanOrEqual(8);
    expect(b.session.popularity_bias).toBeGreaterThan(a.session.popularity_bias);
    expect(b.users.taste_noise).toBeGreaterThan(a.users.taste_noise);
    expect(b.users.drift_per_day).toBeGreaterThan(a.users.drift_per_day);
  });

  it('draws the same people and catalogue from the same seed, and different ones from another seed', () => {
    const w = resized(worlds[0]!, { videos: 50 });
    const cat = () => makeCatalogue(w, makeCreators(w));
    expect(cat()).toEqual(cat());
    expect(makeUser(w, 7, 0)).toEqual(makeUser(w, 7, 0));
    expect(makeUser(w, 7, 0).interests).not.toEqual(makeUser({ ...w, seed: w.seed + 1 }, 7, 0).interests);
    expect(new Set(cat().map((v) => v.topic)).size).toBe(w.catalogue.topics.length);
  });

  it('keeps streams independent: one user’s draws do not depend on another’s', () => {
    const a = rng(1, 'user', 3);
    const first = [a.next(), a.next()];
    rng(1, 'user', 4).next();
    const again = rng(1, 'user', 3);
    expect([again.next(), again.next()]).toEqual(first);
  });

  it('scores a user’s strongest topic above their weakest, within [0, 1], with fixed per-pair noise', () => {
    const w = worlds[0]!;
    const u = makeUser(w, 1, 0);
    const order = u.interests.map((x, t) => [x, t] as const).sort((p, q) => q[0] - p[0]);
    const v = (topic: number, key: number) => ({ key, topic, creator: 99, quality: 0.5, durationS: 3, day: -1 });
    const mean = (topic: number) =>
      Array.from({ length: 200 }, (_, k) => trueAffinity(w, u, v(topic, k))).reduce((s, x) => s + x, 0) / 200;
    expect(mean(order[0]![1])).toBeGreaterThan(mean(order.at(-1)![1]) + 0.3);
    for (let k = 0; k < 50; k++) {
      const x = trueAffinity(w, u, v(k % 8, k));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(tasteNoise(w.seed, 1, 2)).toBe(tasteNoise(w.seed, 1, 2));
  });

  it('watches loved videos longer than disliked ones, and returns more after a satisfying day', () => {
    const w = worlds[0]!;
    const u = makeUser(w, 2, 0);
    const best = u.interests.indexOf(Math.max(...u.interests));
    const worst = u.interests.indexOf(Math.min(...u.interests));
    const r = rng(5, 'react');
    const watch = (topic: number) =>
      Array.from({ length: 300 }, (_, k) =>
        react(
          w,
          u,
          { key: k, topic, creator: 99, quality: 0.8, durationS: 3, day: -1 },
          { position: 0, sameTopicBefore: 0, views: 0 },
          r,
        ),
      ).reduce((s, x) => s + x.watchFraction, 0) / 300;
    expect(watch(best)).toBeGreaterThan(watch(worst) + 0.3);
    expect(returnProbability(w, 0.8)).toBeGreaterThan(returnProbability(w, 0.2));
  });

  it('drifts tastes a little each day and names strong topics at onboarding', () => {
    const w = worlds[1]!;
    const u = makeUser(w, 3, 0);
    const before = [...u.interests];
    drift(w, u, 0);
    const moved = u.interests.reduce((s, x, i) => s + Math.abs(x - before[i]!), 0);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(2 * w.users.drift_per_day + 1e-9);
    expect(u.interests.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    const picks = Array.from({ length: 50 }, (_, i) => onboardingTopics(w, makeUser(w, i, 0)));
    expect(picks.filter((p) => p.length > 0).length).toBeGreaterThan(10);
  });
});

describe('per-person activity', () => {
  it('keeps the world mean of sessions, spreads it over people, and persists from day to day', () => {
    const w = loadWorld('world-a');
    const perUser: number[][] = [];
    for (let i = 0; i < 3000; i++) {
      const u = makeUser(w, i, 0);
      const days: number[] = [];
      for (let d = 0; d < 4; d++) {
        days.push(sessionsToday(w, activityToday(w, u, d), false, rng(1, 't', i, d)));
        wanderActivity(w, u, d);
      }
      perUser.push(days);
    }
    const all = perUser.flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    expect(mean).toBeGreaterThan((1 + w.session.extra_sessions_mean) * 0.85);
    expect(mean).toBeLessThan((1 + w.session.extra_sessions_mean) * 1.1);
    expect(all.filter((n) => n === 0).length / all.length).toBeGreaterThan(0.2);
    const pairs = perUser.map((d) => [d[0]! + d[1]!, d[2]! + d[3]!] as const);
    const mx = pairs.reduce((s, p) => s + p[0], 0) / pairs.length;
    const my = pairs.reduce((s, p) => s + p[1], 0) / pairs.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (const [x, y] of pairs) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) ** 2;
      syy += (y - my) ** 2;
    }
    expect(sxy / Math.sqrt(sxx * syy)).toBeGreaterThan(0.3);
    expect(sessionsToday(w, 1e-6, true, rng(1, 'first'))).toBe(1);
  });
});

describe('simulator metrics', () => {
  it('combines per-seed estimates: the mean, a combined interval and the wider one between seeds', () => {
    const e = overSeeds([
      { mean: 0.2, ci95: [0.1, 0.3] },
      { mean: 0.3, ci95: [0.2, 0.4] },
      { mean: 0.25, ci95: [0.15, 0.35] },
    ]);
    expect(e.mean).toBeCloseTo(0.25, 10);
    const se = Math.sqrt(3 * (0.2 / 3.92) ** 2) / 3;
    expect(e.ci95[0]).toBeCloseTo(0.25 - 1.96 * se, 10);
    expect(e.between_seeds_ci95[0]).toBeCloseTo(0.25 - (4.303 * 0.05) / Math.sqrt(3), 10);
    expect(e.per_seed).toHaveLength(3);
  });

  it('computes the Gini of exposure: 0 for equal, near 1 for one creator taking everything', () => {
    expect(gini([5, 5, 5, 5])).toBeCloseTo(0, 9);
    expect(gini([0, 0, 0, 100])).toBeCloseTo(0.75, 9);
    expect(gini([])).toBe(0);
  });

  it('bootstraps a mean’s interval over users and a lift that excludes 0 only when the groups differ', () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i % 10) / 10);
    const e = bootstrap(xs);
    expect(e.ci95[0]).toBeLessThan(e.mean);
    expect(e.ci95[1]).toBeGreaterThan(e.mean);
    const up = relativeLift(
      xs.map((x) => x + 0.3),
      xs,
    );
    expect(up.ci95[0]).toBeGreaterThan(0);
    const same = relativeLift(xs, [...xs].reverse());
    expect(same.ci95[0]).toBeLessThan(0);
    expect(same.ci95[1]).toBeGreaterThan(0);
  });
});

describe('served-item trace', () => {
  it('credits each item to its first source and profiles affinity by position bucket, arm and phase', () => {
    const user = makeUser(worlds[0]!, 0, 0);
    const top = user.interests.indexOf(Math.max(...user.interests));
    const latent = { key: 1, topic: top, creator: 0, quality: 0.5, durationS: 3, day: -1 };
    const at = (served: number, day: number) => ({ user, arm: 'pipeline', served, day, position: served % 10 });
    const explain = (source: string) => ({
      sources: [
        { source, rank: 0 },
        { source: 'popular', rank: 3 },
      ],
    });
    const rows = [
      traceRow(at(0, 0), latent, 0.8, explain('trending')),
      traceRow(at(1, 0), latent, 0.4, explain('trending')),
      traceRow(at(12, 1), latent, 0.9, explain('interests')),
    ];
    expect(rows[0]).toMatchObject({
      topicRank: 0,
      arm: 'pipeline',
      sources: [{ source: 'trending' }, { source: 'popular' }],
    });
    const text = summariseTrace(rows).join('\n');
    expect(text).toMatch(/pipeline day 0\n {2}items 0-9 +\(all\) +share 1\.000 n +2 +affinity 0\.600/);
    expect(text).toMatch(/items 0-9 +trending +share 1\.000 n +2/);
    expect(text).toMatch(/pipeline days 1\.\.\n {2}items 10-19 +\(all\).*affinity 0\.900.*top1 1\.000/);
  });
});
