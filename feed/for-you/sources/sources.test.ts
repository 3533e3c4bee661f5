import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../core/cache/cache.memory.ts';
import { TRENDING_KEY } from '../../../feature-store/trending.ts';
import { mulberry32 } from '../../../retrieval/ann/synthetic-vectors.ts';
import { Catalog } from '../../../retrieval/catalog.ts';
import { buildSnapshot } from '../../../retrieval/index-holder.ts';
import { snapshotView } from '../../../retrieval/service/snapshot-view.ts';
import { exposureKeys } from '../exposure.ts';
import { NOW, query, testSettingsOf, video } from '../testing/fixtures.ts';
import { emptyViewer } from '../types.ts';
import { exploreSource } from './explore.source.ts';
import { followingSource } from './following.source.ts';
import { FRESH_SETTINGS, freshSource } from './fresh.source.ts';
import { interestsSource } from './interests.source.ts';
import { popularSource } from './popular.source.ts';
import { similarSource } from './similar.source.ts';
import { trendingSource } from './trending.source.ts';
import { twoTowerSource } from './two-tower.source.ts';

const H = 3_600_000;
const catalog = Catalog.fromVideos([
  video('a-old', { authorId: 'alice', createdAt: NOW - 50 * H, hashtags: ['cats'] }),
  video('a-new', { authorId: 'alice', createdAt: NOW - 1 * H, hashtags: ['cats'] }),
  video('b-mid', {
    authorId: 'bob',
    createdAt: NOW - 10 * H,
    hashtags: ['dogs'],
    stats: { views: 100, likes: 9, comments: 0, shares: 0 },
  }),
  video('c-new', { authorId: 'carol', createdAt: NOW - 2 * H, hashtags: ['cats', 'dogs'] }),
  video('d-ancient', {
    authorId: 'dan',
    createdAt: NOW - 500 * H,
    stats: { views: 5, likes: 0, comments: 0, shares: 0 },
  }),
]);
const ids = (hits: { videoId: string }[]) => hits.map((h) => h.videoId);

/** Vectors on the unit circle: a-old ≈ a-new, b-mid orthogonal, c-new between. */
function snapshot() {
  const order = ['a-old', 'a-new', 'b-mid', 'c-new', 'd-ancient'];
  const angle = [0, 0.1, Math.PI / 2, Math.PI / 4, Math.PI];
  const v = new Float32Array(order.length * 2);
  for (const [i, t] of angle.entries()) v.set([Math.cos(t), Math.sin(t)], i * 2);
  return buildSnapshot('test-1', order, v);
}

describe('candidate sources', () => {
  it('following merges followed creators’ uploads newest first and skips this session’s served ids', async () => {
    const viewer = { ...emptyViewer(), following: new Set(['alice', 'bob']) };
    expect(ids(await followingSource(catalog).fetch(query({ viewer }), 10))).toEqual(['a-new', 'b-mid', 'a-old']);
    const q = query({ viewer, sessionSeen: new Set(['a-new']) });
    expect(ids(await followingSource(catalog).fetch(q, 2))).toEqual(['b-mid', 'a-old']);
  });

  it('trending reads the velocity sorted set, highest first, up to the quota', async () => {
    const cache = new MemoryCache();
    await cache.zAdd(TRENDING_KEY, [
      { member: 'b-mid', score: 5 },
      { member: 'c-new', score: 9 },
      { member: 'a-old', score: 1 },
    ]);
    expect(ids(await trendingSource(cache).fetch(query(), 2))).toEqual(['c-new', 'b-mid']);
  });

  it('fresh proposes recent uploads under their exposure budget, newest first', async () => {
    const cache = new MemoryCache();
    const q = query();
    await cache.set(exposureKeys.video('a-new'), String(testSettingsOf(FRESH_SETTINGS).exposure_budget));
    const hits = await freshSource(catalog, cache).fetch(q, 10);
    // a-new used its budget; a-old (50 h) is inside the 72 h window; d-ancient is not.
    expect(ids(hits)).toEqual(['c-new', 'b-mid', 'a-old']);
  });

  it('explore draws distinct uniform-random videos and logs their propensity', async () => {
    const rand = mulberry32(3);
    const hits = await exploreSource(catalog, rand).fetch(query(), 2);
    expect(new Set(ids(hits)).size).toBe(2);
    expect(hits.every((h) => h.propensity === 2 / 5)).toBe(true);
  });

  it('interests serve a cold viewer’s picked tags, every tag in turn, then the tags their engagement favours', async () => {
    const cold = { ...emptyViewer(), interests: ['dogs', 'cats'] };
    const hits = await interestsSource(catalog).fetch(query({ viewer: cold }), 3);
    expect(ids(hits)).toEqual(['b-mid', 'a-new', 'c-new']);
    const warm = {
      ...cold,
      history: Array.from({ length: 10 }, (_, i) => ({ video: `h${i}`, kind: 'watch' as const, timeMs: NOW })),
    };
    expect(await interestsSource(catalog).fetch(query({ viewer: warm }), 3)).toEqual([]);
    const learned = { ...warm, learnedTags: ['cats'] };
    expect(ids(await interestsSource(catalog).fetch(query({ viewer: learned }), 3))).toEqual([
      'a-new',
      'c-new',
      'a-old',
    ]);
  });

  it('popular ranks by engagement', async () => {
    expect(ids(await popularSource(catalog).fetch(query(), 2))).toEqual(['b-mid', 'd-ancient']);
  });

  it('similar returns neighbours of liked videos, never the seeds themselves', async () => {
    const viewer = { ...emptyViewer(), history: [{ video: 'a-old', kind: 'like' as const, timeMs: NOW - H }] };
    const hits = await similarSource().fetch(query({ viewer, index: snapshotView(snapshot()) }), 2);
    expect(ids(hits)).toEqual(['a-new', 'c-new']);
  });

  it('two_tower searches with the query tower when the index carries one, else the history mean', async () => {
    const snap = snapshot();
    const viewer = { ...emptyViewer(), history: [{ video: 'b-mid', kind: 'complete' as const, timeMs: NOW - H }] };
    expect(ids(await twoTowerSource.fetch(query({ viewer, index: snapshotView(snap) }), 2))).toEqual([
      'b-mid',
      'c-new',
    ]);
    const tower = { dims: 2, embed: async () => new Float32Array([-1, 0]) };
    expect(
      ids(await twoTowerSource.fetch(query({ viewer, index: snapshotView({ ...snap, query: tower }) }), 1)),
    ).toEqual(['d-ancient']);
    expect(await twoTowerSource.fetch(query({ index: snapshotView(snap) }), 5)).toEqual([]);
  });

  it('two_tower is named two_tower only when a trained query tower is loaded, else history_mean', () => {
    const snap = snapshot();
    const tower = { dims: 2, embed: async () => new Float32Array([-1, 0]) };
    expect(twoTowerSource.label?.(query({ index: snapshotView({ ...snap, query: tower }) }))).toBe('two_tower');
    expect(twoTowerSource.label?.(query({ index: snapshotView(snap) }))).toBe('history_mean');
    expect(twoTowerSource.label?.(query({}))).toBe('history_mean');
  });
});
