import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../core/cache/cache.memory.ts';
import type { Cache } from '../../core/cache/ports.ts';
import { runPipeline } from '../pipeline/runner.ts';
import { viewerScoredCache } from './scored-cache.ts';
import { decodeScoredList, encodeScoredList } from './scored-list-codec.ts';
import { candidate, ids, NOW, query, video } from './testing/fixtures.ts';
import { scoredListPipeline, sixtyPopular, sixtyVideos } from './testing/scored-cache.fixtures.ts';
import type { FeedQuery } from './types.ts';

/** Two API processes: each its own catalogue, pipeline and in-process lists, one shared cache between them. */
function twoProcesses(shared: Pick<Cache, 'get' | 'set'>, opts: { ttlMs?: number } = {}) {
  let wall = NOW;
  let fetches = 0;
  const errors: string[] = [];
  const source = sixtyPopular(() => fetches++);
  const processOf = () => {
    const { videos, catalog } = sixtyVideos();
    const scoredCache = viewerScoredCache({
      catalog,
      ranker: { current: () => undefined },
      shared,
      onSharedError: (_err, what) => errors.push(what),
      ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}),
      wallNow: () => wall,
    });
    const pipeline = scoredListPipeline(catalog, source, scoredCache);
    return { videos, run: (q: FeedQuery) => runPipeline(pipeline, q) };
  };
  return {
    a: processOf(),
    b: processOf(),
    fetches: () => fetches,
    errors,
    advance: (ms: number) => {
      wall += ms;
    },
  };
}

/** Lets the fire-and-forget write of the list land. */
const settle = () => new Promise((r) => setImmediate(r));

describe('the scored list in a cache shared by API processes', () => {
  it("serves the viewer's next page on another process from the list the first one built", async () => {
    const p = twoProcesses(new MemoryCache());
    const first = await p.a.run(query());
    expect(first.trace.scoredCache).toBe('miss');
    await settle();
    const next = await p.b.run(query({ sessionSeen: new Set(ids(first.page)) }));
    expect(next.trace.scoredCache).toBe('hit');
    expect(p.fetches()).toBe(1);
    expect(ids(next.page)).toEqual(Array.from({ length: 10 }, (_, i) => `v${i + 10}`));
    // Read once from the shared cache, then held in the second process too.
    const third = await p.b.run(query({ sessionSeen: new Set([...ids(first.page), ...ids(next.page)]) }));
    expect(third.trace.scoredCache).toBe('hit');
    expect(p.fetches()).toBe(1);
  });

  it('rebuilds when the list was built from other viewer state (a like since) or has expired', async () => {
    const p = twoProcesses(new MemoryCache(), { ttlMs: 1_000 });
    await p.a.run(query());
    await settle();
    const liked = query();
    liked.viewer.history = [{ video: 'v3', kind: 'like', timeMs: NOW }];
    expect((await p.b.run(liked)).trace.scoredCache).toBe('miss');
    expect(p.fetches()).toBe(2);
    const other = twoProcesses(new MemoryCache(), { ttlMs: 1_000 });
    await other.a.run(query());
    await settle();
    other.advance(1_001);
    expect((await other.b.run(query())).trace.scoredCache).toBe('miss');
  });

  it('reads each video from the reading process, dropping one it does not serve', async () => {
    const p = twoProcesses(new MemoryCache());
    await p.a.run(query());
    await settle();
    p.b.videos.delete('v0');
    p.b.videos.set('v1', video('v1', { privacy: 'private' }));
    const r = await p.b.run(query());
    expect(r.trace.scoredCache).toBe('hit');
    expect(ids(r.page).slice(0, 2)).toEqual(['v2', 'v3']);
  });

  it('builds the page as before when the shared cache fails', async () => {
    const down: Pick<Cache, 'get' | 'set'> = {
      get: async () => {
        throw new Error('down');
      },
      set: async () => {
        throw new Error('down');
      },
    };
    const p = twoProcesses(down);
    expect((await p.a.run(query())).page).toHaveLength(10);
    await settle();
    const r = await p.b.run(query());
    expect(r.trace.scoredCache).toBe('miss');
    expect(r.page).toHaveLength(10);
    expect(p.errors).toEqual([
      'reading the shared scored list failed; the list is rebuilt',
      'storing the shared scored list failed',
      'reading the shared scored list failed; the list is rebuilt',
      'storing the shared scored list failed',
    ]);
  });

  it("round-trips a candidate's features, scores, sources and value breakdown", () => {
    const c = candidate(video('v1'), {
      features: new Float32Array([0.1, -2.5, 3e-7, 42]),
      heads: { like: 0.25 },
      valueTerms: { like: 0.5 },
      prior: -1.5,
      propensity: 0.3,
    });
    const text = encodeScoredList('k', NOW, 'ranker@1', [{ c, score: 1.25, rules: ['explore'] }]);
    const back = decodeScoredList(text, 'k', (id) => video(id))!;
    expect(back.modelVersion).toBe('ranker@1');
    expect(back.atWallMs).toBe(NOW);
    const [item] = back.items;
    expect(item!.score).toBe(1.25);
    expect(item!.rules).toEqual(['explore']);
    expect([...item!.c.features!]).toEqual([...c.features!]);
    expect(item!.c).toMatchObject({ heads: { like: 0.25 }, valueTerms: { like: 0.5 }, prior: -1.5, propensity: 0.3 });
    expect(item!.c.sources).toEqual(c.sources);
    expect(decodeScoredList(text, 'another key', (id) => video(id))).toBeUndefined();
    expect(decodeScoredList('not json', 'k', (id) => video(id))).toBeUndefined();
  });
});
