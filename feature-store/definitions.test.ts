import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../training/data/synthetic.ts';
import {
  applyEvent,
  applyExample,
  FEATURE_NAMES,
  type FeatureVideo,
  featureVector,
  featureVectors,
  longViewRates,
  newFeatureState,
  pointInTimeFeatures,
  strongestTags,
} from './definitions.ts';

const ds = generateSynthetic({ users: 120, videos: 80, examples: 3000, seed: 11 });
const all = [...ds.train, ...ds.validation, ...ds.test];
const idx = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);

describe('pointInTimeFeatures', () => {
  it('returns one vector of FEATURE_NAMES.length per example, aligned with the input', () => {
    const { features } = pointInTimeFeatures(ds, all);
    expect(features).toHaveLength(all.length);
    expect(features.every((f) => f.length === FEATURE_NAMES.length && f.every(Number.isFinite))).toBe(true);
  });

  it('does not leak: changing labels at or after a time leaves features up to that time unchanged', () => {
    const cut = all[Math.floor(all.length / 2)]!.timeMs;
    const base = pointInTimeFeatures(ds, all).features;
    const flipped = all.map((e) =>
      e.timeMs >= cut ? { ...e, labels: { ...e.labels, longView: 1 - e.labels.longView, like: 1 - e.labels.like } } : e,
    );
    const after = pointInTimeFeatures(ds, flipped).features;
    all.forEach((e, i) => {
      if (e.timeMs <= cut) expect(after[i]).toEqual(base[i]);
    });
    // The change does reach later examples, so the comparison above can fail.
    const later = all.findIndex((e) => e.timeMs > cut + 3_600_000);
    expect(after[later]).not.toEqual(base[later]);
  });

  it('gives examples sharing a timestamp none of each other', () => {
    const v = ds.videos[0]!;
    const twins = [
      { user: 0, video: 0, timeMs: 1000, labels: { longView: 1, like: 1 } },
      { user: 0, video: 0, timeMs: 1000, labels: { longView: 1, like: 1 } },
      { user: 0, video: 0, timeMs: 2000, labels: { longView: 0, like: 0 } },
    ];
    const empty = { users: [{ nums: [0, 0, 0, 0], historyWatch: [], historyLike: [], historyLong: [] }], videos: [v] };
    const { features } = pointInTimeFeatures(empty, twins);
    expect(features[0]).toEqual(features[1]);
    expect(features[0]![idx('v_log_impressions_7d')]).toBe(0);
    expect(features[2]![idx('v_log_impressions_7d')]).toBeGreaterThan(1);
    expect(features[2]![idx('x_seen_recently')]).toBe(1);
  });

  it('is independent of the input order', () => {
    const shuffled = [...all].reverse();
    const a = pointInTimeFeatures(ds, all).features;
    const b = pointInTimeFeatures(ds, shuffled).features;
    expect(b[shuffled.length - 1]).toEqual(a[0]);
  });
});

describe('online updates', () => {
  const video: FeatureVideo = {
    id: 'v1',
    author: 'a1',
    tags: ['t1'],
    durationBucket: 3,
    uploadMs: 0,
    durationMs: 20_000,
  };
  const user = { id: 'u1', nums: [0.5, 0, 0, 0] };

  it('build the same state from events as from the equivalent example', () => {
    const fromEvents = newFeatureState();
    applyEvent(fromEvents, { type: 'impression', userId: 'u1', video, timeMs: 1000 });
    applyEvent(fromEvents, {
      type: 'complete',
      userId: 'u1',
      video,
      timeMs: 1000,
      watchMs: 20_000,
      durationMs: 20_000,
    });
    applyEvent(fromEvents, { type: 'like', userId: 'u1', video, timeMs: 1000 });
    const fromExample = newFeatureState();
    applyExample(fromExample, 'u1', video, 1000, { click: 1, longView: 1, like: 1, watchRatio: 1 });
    expect(featureVector(fromEvents, user, video, 5000)).toEqual(featureVector(fromExample, user, video, 5000));
  });

  it('decays author affinity with the configured half-life', () => {
    const s = newFeatureState();
    applyExample(s, 'u1', video, 0, { longView: 1 });
    const now = featureVector(s, user, video, 0)[idx('x_author_affinity')]!;
    const later = featureVector(s, user, video, s.config.affinityHalfLifeMs)[idx('x_author_affinity')]!;
    expect(now).toBeCloseTo(Math.log1p(1));
    expect(later).toBeCloseTo(Math.log1p(0.5));
  });

  it('counts a view once however many progress heartbeats it sends', () => {
    const once = newFeatureState();
    const many = newFeatureState();
    for (const s of [once, many]) applyEvent(s, { type: 'impression', userId: 'u1', video, timeMs: 0 });
    applyEvent(once, { type: 'progress', userId: 'u1', video, timeMs: 30, watchMs: 19_000 });
    for (let t = 1; t <= 30; t++)
      applyEvent(many, { type: 'progress', userId: 'u1', video, timeMs: t, watchMs: Math.min(19_000, t * 1000) });
    // Equal but for the decay of the milliseconds between heartbeats.
    const a = featureVector(many, user, video, 60);
    const b = featureVector(once, user, video, 60);
    a.forEach((v, i) => {
      expect(v, FEATURE_NAMES[i]).toBeCloseTo(b[i]!, 6);
    });
    expect(featureVector(once, user, video, 60)[idx('u_click_rate_7d')]).toBeGreaterThan(0.5);
  });
});

describe('online interest signals (the fold of live events)', () => {
  const clip = (id: string, tag: string): FeatureVideo => ({
    id,
    author: `by-${tag}`,
    tags: [tag],
    durationBucket: 3,
    uploadMs: 0,
    durationMs: 20_000,
  });
  /** One autoplayed view of `v` left after `watchMs` (or watched to its end), folded as the player sends it. */
  const view = (s: ReturnType<typeof newFeatureState>, v: FeatureVideo, t: number, watchMs: number | 'end') => {
    applyEvent(s, { type: 'impression', userId: 'u', video: v, timeMs: t });
    applyEvent(s, { type: 'play_start', userId: 'u', video: v, timeMs: t + 1, durationMs: 20_000 });
    if (watchMs === 'end') applyEvent(s, { type: 'complete', userId: 'u', video: v, timeMs: t + 2, watchMs: 20_000 });
    else applyEvent(s, { type: 'skip', userId: 'u', video: v, timeMs: t + 2, watchMs });
  };
  const tag = (s: ReturnType<typeof newFeatureState>, t: string) => s.users.get('u')?.tagAffinity.get(t)?.value ?? 0;

  it('an autoplay start alone is no interest; a quick swipe and a short skip are interest against', () => {
    const s = newFeatureState();
    applyEvent(s, { type: 'impression', userId: 'u', video: clip('a', 'cats'), timeMs: 0 });
    applyEvent(s, { type: 'play_start', userId: 'u', video: clip('a', 'cats'), timeMs: 1, durationMs: 20_000 });
    expect(tag(s, 'cats')).toBe(0);
    view(s, clip('b', 'dogs'), 10, 800);
    view(s, clip('c', 'golf'), 20, 4_000);
    expect(tag(s, 'dogs')).toBeLessThan(tag(s, 'golf'));
    expect(tag(s, 'golf')).toBeLessThan(0);
  });

  it('weighs a watch by the fraction watched, and decays what was learned by half in affinityHalfLifeMs', () => {
    const s = newFeatureState();
    view(s, clip('a', 'half'), 0, 10_000);
    view(s, clip('b', 'most'), 10, 16_000);
    view(s, clip('c', 'all'), 20, 'end');
    expect(0).toBeLessThan(tag(s, 'half'));
    expect(tag(s, 'half')).toBeLessThan(tag(s, 'most'));
    expect(tag(s, 'most')).toBeLessThan(tag(s, 'all'));
    expect(strongestTags(s, 'u', 30, 3)).toEqual(['all', 'most', 'half']);
    view(s, clip('d', 'later'), s.config.affinityHalfLifeMs + 20, 'end');
    // The same long view, one half-life apart: the older one now weighs half the newer.
    const decayed = s.users.get('u')!.tagAffinity.get('all')!;
    expect(
      decayed.value * 2 ** (-(s.config.affinityHalfLifeMs + 20 - decayed.timeMs) / s.config.affinityHalfLifeMs),
    ).toBeCloseTo(tag(s, 'later') / 2, 3);
  });
});

describe('context features', () => {
  const video: FeatureVideo = { id: 'v', author: 'a', tags: [], durationBucket: 3, uploadMs: 0 };
  const user = { id: 'u', nums: [] };
  const tabs = (f: Float32Array) => FEATURE_NAMES.filter((n) => n.startsWith('c_tab_') && f[idx(n)] === 1);

  it('mark the surface in one slot, rare surfaces in a shared one, an unknown surface as tab 0', () => {
    const s = newFeatureState();
    expect(tabs(featureVector(s, user, video, 0, { tab: 1 }))).toEqual(['c_tab_1']);
    expect(tabs(featureVector(s, user, video, 0, { tab: 6 }))).toEqual(['c_tab_6']);
    expect(tabs(featureVector(s, user, video, 0, { tab: 13 }))).toEqual(['c_tab_other']);
    expect(tabs(featureVector(s, user, video, 0))).toEqual(['c_tab_0']);
  });

  it('place the hour of day on a circle: the same hour on another day gives the same pair', () => {
    const s = newFeatureState();
    const at = (ms: number) => {
      const f = featureVector(s, user, video, ms);
      return [f[idx('c_hour_sin')]!, f[idx('c_hour_cos')]!];
    };
    expect(at(0)).toEqual([0, 1]);
    const six = at(6 * 3_600_000);
    expect(six[0]).toBeCloseTo(1, 6);
    expect(six[1]).toBeCloseTo(0, 6);
    expect(at(3 * 86_400_000 + 6 * 3_600_000)).toEqual(six);
  });

  it("count the viewer's impressions in the session's last 30 minutes as its position, log1p-scaled", () => {
    const s = newFeatureState();
    const pos = (ms: number) => featureVector(s, user, video, ms)[idx('c_session_position')]!;
    expect(pos(0)).toBe(0);
    const min = 60_000;
    for (const t of [0, 10 * min, 20 * min]) applyExample(s, 'u', { ...video, id: `v${t}` }, t, { longView: 1 });
    // Impressions at the request's own time are not before it; one 31 minutes back is another session.
    expect(pos(20 * min)).toBeCloseTo(Math.log1p(2), 6);
    expect(pos(25 * min)).toBeCloseTo(Math.log1p(3), 6);
    expect(pos(31 * min)).toBeCloseTo(Math.log1p(2), 6);
    expect(pos(60 * min)).toBe(0);
  });

  it("come from each example's own surface in the point-in-time replay", () => {
    const { features } = pointInTimeFeatures(ds, all);
    const want = (tab: number) => `c_tab_${[0, 1, 2, 4, 6].includes(tab) ? tab : 'other'}`;
    all.slice(0, 200).forEach((e, i) => {
      expect(tabs(features[i]!)).toEqual([want(e.tab)]);
    });
  });
});

describe('featureVectors', () => {
  it('equals featureVector row by row, for viewers with and without state', () => {
    const state = newFeatureState();
    const videos: FeatureVideo[] = Array.from({ length: 30 }, (_, i) => ({
      id: `v${i}`,
      author: `a${i % 4}`,
      tags: i % 3 === 0 ? [] : [`t${i % 5}`, `t${(i + 1) % 5}`],
      durationBucket: i % 7,
      uploadMs: i * 1000,
      durationMs: 15_000,
    }));
    for (let i = 0; i < 200; i++) {
      const v = videos[(i * 7) % videos.length]!;
      const userId = `u${i % 3}`;
      applyEvent(state, { type: 'impression', userId, video: v, timeMs: i * 100 });
      if (i % 2) applyEvent(state, { type: 'complete', userId, video: v, timeMs: i * 100 + 1, watchMs: 15_000 });
      if (i % 5 === 0) applyEvent(state, { type: 'like', userId, video: v, timeMs: i * 100 + 2 });
      if (i % 11 === 0) applyEvent(state, { type: 'not_interested', userId, video: v, timeMs: i * 100 + 3 });
    }
    for (const user of [
      { id: 'u1', nums: [0.5, 1, 0, 2] },
      { id: 'nobody', nums: [] },
    ]) {
      const rows = featureVectors(state, user, videos, 50_000, { tab: 4 });
      expect(rows).toHaveLength(videos.length);
      videos.forEach((v, i) => {
        expect(Array.from(rows[i]!)).toEqual(Array.from(featureVector(state, user, v, 50_000, { tab: 4 })));
      });
    }
  });
});

describe('strongestTags', () => {
  it('lists the tags with positive affinity, strongest first, at most max', () => {
    const state = newFeatureState();
    const v = (id: string, tag: string): FeatureVideo => ({
      id,
      author: `a-${id}`,
      tags: [tag],
      durationBucket: 1,
      uploadMs: 0,
    });
    applyExample(state, 'u', v('1', 'cats'), 1_000, { longView: 1, like: 1 });
    applyExample(state, 'u', v('2', 'dogs'), 2_000, { longView: 1 });
    applyExample(state, 'u', v('3', 'cars'), 3_000, { hate: 1 });
    expect(strongestTags(state, 'u', 4_000, 5)).toEqual(['cats', 'dogs']);
    expect(strongestTags(state, 'u', 4_000, 1)).toEqual(['cats']);
    expect(strongestTags(state, 'nobody', 4_000, 5)).toEqual([]);
  });
});

describe('longViewRates', () => {
  it('is v_long_rate_7d: long views per impression shrunk to the global rate, which an unshown video gets', () => {
    const state = newFeatureState();
    const v = (id: string): FeatureVideo => ({ id, author: 'a', tags: ['cats'], durationBucket: 1, uploadMs: 0 });
    for (let i = 0; i < 20; i++) applyExample(state, `u${i}`, v('good'), 1_000 + i, { longView: 1 });
    for (let i = 0; i < 20; i++) applyExample(state, `u${i}`, v('bad'), 1_000 + i, { longView: 0 });
    const rates = longViewRates(state, ['good', 'bad', 'unshown'], 5_000);
    expect(rates.get('good')).toBeCloseTo(
      featureVector(state, { id: 'x', nums: [] }, v('good'), 5_000)[idx('v_long_rate_7d')]!,
      6,
    );
    expect(rates.get('bad')).toBeCloseTo(
      featureVector(state, { id: 'x', nums: [] }, v('bad'), 5_000)[idx('v_long_rate_7d')]!,
      6,
    );
    expect(rates.get('unshown')).toBeCloseTo(0.5, 2);
    expect(rates.get('good')!).toBeGreaterThan(0.8);
    expect(rates.get('bad')!).toBeLessThan(0.2);
  });
});
