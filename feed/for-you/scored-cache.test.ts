import { describe, expect, it } from 'vitest';
import { manualClock } from '../../core/clock.ts';
import type { Catalog } from '../../retrieval/catalog.ts';
import { runPipeline } from '../pipeline/runner.ts';
import { type FeedParts, forYouPipeline } from './pipelines.ts';
import { viewerScoredCache } from './scored-cache.ts';
import { candidate, ids, NOW, query, video } from './testing/fixtures.ts';
import { scoredListPipeline, sixtyPopular, sixtyVideos } from './testing/scored-cache.fixtures.ts';
import type { FeedQuery, Scorer } from './types.ts';

function setup(opts: { ttlMs?: number; scorer?: Scorer } = {}) {
  let t = 0;
  const { videos, catalog } = sixtyVideos();
  let fetches = 0;
  const source = sixtyPopular(() => fetches++);
  const cache = viewerScoredCache({
    catalog,
    ranker: { current: () => undefined },
    ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}),
    now: () => t,
  });
  const pipeline = scoredListPipeline(catalog, source, cache, opts.scorer);
  return {
    videos,
    cache,
    fetches: () => fetches,
    advance: (ms: number) => {
      t += ms;
    },
    run: (q: FeedQuery) => runPipeline(pipeline, q),
  };
}

describe('the per-viewer scored list', () => {
  it('serves the next page from the stored list without retrieval, minus what the session has seen', async () => {
    const s = setup();
    const first = await s.run(query({ limit: 5 }));
    expect(first.trace.scoredCache).toBe('miss');
    const second = await s.run(query({ limit: 5, sessionSeen: new Set(ids(first.page)) }));
    expect(second.trace.scoredCache).toBe('hit');
    expect(s.fetches()).toBe(1);
    expect(ids(second.page)).toHaveLength(5);
    for (const id of ids(second.page)) expect(ids(first.page)).not.toContain(id);
    expect(second.trace.stages.sources).toBeUndefined();
  });

  it('rebuilds a list the session has nearly used up instead of serving a short page', async () => {
    const s = setup();
    const seen = new Set<string>();
    const traces: (string | undefined)[] = [];
    for (let page = 0; page < 5; page++) {
      const r = await s.run(query({ sessionSeen: new Set(seen) }));
      expect(r.page).toHaveLength(10);
      for (const id of ids(r.page)) seen.add(id);
      traces.push(r.trace.scoredCache);
    }
    // The source's quota (50) is stored, 10 served per page: pages 2-4 come from the list; before the
    // fifth under two pages would be left, so it is rebuilt.
    expect(traces).toEqual(['miss', 'hit', 'hit', 'hit', 'miss']);
  });

  it('rebuilds after a like, a follow or a block, and after it expires', async () => {
    const s = setup({ ttlMs: 1_000 });
    await s.run(query());
    const liked = query();
    liked.viewer.history = [{ video: 'v3', kind: 'like', timeMs: NOW }];
    expect((await s.run(liked)).trace.scoredCache).toBe('miss');
    const followed = query();
    followed.viewer.history = liked.viewer.history;
    followed.viewer.following = new Set(['a-v9']);
    expect((await s.run(followed)).trace.scoredCache).toBe('miss');
    expect((await s.run(followed)).trace.scoredCache).toBe('hit');
    const blocked = query({ viewer: { ...followed.viewer, blockedAuthors: new Set(['a-v0']) } });
    const r = await s.run(blocked);
    expect(r.trace.scoredCache).toBe('miss');
    expect(ids(r.page)).not.toContain('v0');
    s.advance(1_001);
    expect((await s.run(blocked)).trace.scoredCache).toBe('miss');
    expect(s.fetches()).toBe(5);
  });

  it('filters the stored list again: a video gone from the catalogue, one made private, one seen since', async () => {
    const s = setup();
    expect(ids((await s.run(query())).page).slice(0, 3)).toEqual(['v0', 'v1', 'v2']);
    s.videos.delete('v0');
    s.videos.set('v2', video('v2', { privacy: 'private' }));
    const seen = query();
    seen.viewer.recentImpressions = new Set(['v1']);
    const r = await s.run(seen);
    expect(r.trace.scoredCache).toBe('hit');
    expect(ids(r.page)).toEqual(['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11', 'v12']);
  });

  it('records on a page from the stored list the model version that scored the list', async () => {
    let version = 'ranker@1';
    const scorer: Scorer = {
      id: 'ranker',
      version: () => version,
      score: async (_q, cs) => {
        cs.forEach((c, i) => {
          c.score = -i;
        });
      },
    };
    const s = setup({ scorer });
    expect((await s.run(query())).modelVersion).toBe('ranker@1');
    version = 'ranker@2';
    const hit = await s.run(query());
    expect(hit.trace.scoredCache).toBe('hit');
    expect(hit.modelVersion).toBe('ranker@1');
  });

  it('keeps viewers apart and holds no list when turned off', async () => {
    const s = setup();
    await s.run(query({ actor: 'u:a', userId: 'a' }));
    expect((await s.run(query({ actor: 'u:b', userId: 'b' }))).trace.scoredCache).toBe('miss');
    const off = setup({ ttlMs: 0 });
    await off.run(query());
    expect((await off.run(query())).trace.scoredCache).toBeUndefined();
    expect(off.cache.size).toBe(0);
  });

  it('drops expired lists when another viewer stores one, and keeps at most maxViewers', async () => {
    let t = 0;
    const cache = viewerScoredCache({
      catalog: { get: (id: string) => video(id) },
      ranker: { current: () => undefined },
      ttlMs: 1_000,
      maxViewers: 3,
      now: () => t,
    });
    const store = (actor: string) => {
      const q = query({ actor });
      cache.set(cache.key(q)!, [candidate(video('v1'))], q, 'm');
    };
    store('u:a');
    t = 500;
    store('u:b');
    t = 1_200;
    store('u:c');
    // u:a's list expired at 1,000: gone; u:b's is still live.
    expect(cache.size).toBe(2);
    expect(cache.get(cache.key(query({ actor: 'u:b' }))!, query({ actor: 'u:b' }))).toBeDefined();
    store('u:d');
    store('u:e');
    expect(cache.size).toBe(3);
    expect(cache.get(cache.key(query({ actor: 'u:b' }))!, query({ actor: 'u:b' }))).toBeUndefined();
    expect((await cache.get(cache.key(query({ actor: 'u:e' }))!, query({ actor: 'u:e' })))?.scored).toHaveLength(1);
  });

  it("keeps a copy of each stored candidate's features, equal to them, not a view of the request's buffer", async () => {
    const cache = viewerScoredCache({
      catalog: { get: (id: string) => video(id) },
      ranker: { current: () => undefined },
    });
    const buffer = new Float32Array(8).map((_, i) => i);
    const c = candidate(video('v1'), { features: buffer.subarray(4, 8) });
    const q = query();
    cache.set(cache.key(q)!, [c], q, 'm');
    const stored = (await cache.get(cache.key(q)!, q))!.scored[0]!.features!;
    expect([...stored]).toEqual([4, 5, 6, 7]);
    expect(stored.buffer).not.toBe(buffer.buffer);
    expect(stored.buffer.byteLength).toBe(4 * 4);
  });

  it("measures a list's age on the platform clock it is given, so a simulated clock's jump expires it", async () => {
    const clock = manualClock();
    const { catalog } = sixtyVideos();
    const parts = { catalog: catalog as unknown as Catalog, ranker: { current: () => undefined }, clock };
    const cache = forYouPipeline(parts as unknown as FeedParts).scoredCache!;
    const q = query();
    cache.set('k', [], q, 'fallback-v1');
    expect(await cache.get('k', q)).toBeDefined();
    // No time passes on the machine; ten minutes pass on the platform's clock.
    clock.advance(10 * 60_000);
    expect(await cache.get('k', q)).toBeUndefined();
  });
});
