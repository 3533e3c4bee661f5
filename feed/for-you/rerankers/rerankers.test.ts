import { describe, expect, it } from 'vitest';
import { candidate, ids, NOW, query, testSettingsOf, video, withSettings } from '../testing/fixtures.ts';
import { AUTHOR_DIVERSITY_SETTINGS, authorDiversityReranker } from './author-diversity.reranker.ts';
import { creatorExposureReranker } from './creator-exposure.reranker.ts';
import { explorationSlot } from './exploration-slot.reranker.ts';
import { freshnessBoostReranker } from './freshness-boost.reranker.ts';
import { policyOrderReranker } from './policy-order.reranker.ts';
import { topicDiscoveryReranker } from './topic-discovery.reranker.ts';

describe('rerankers', () => {
  it('topic_discovery spreads a page over hashtags for a viewer with nothing engaged yet, and only then', () => {
    const list = () =>
      ['c1', 'c2', 'c3', 'd1', 'c4', 'm1'].map((id) =>
        candidate(video(id, { hashtags: [{ c: 'cats', d: 'dogs', m: 'music' }[id[0]!]!] })),
      );
    expect(ids(topicDiscoveryReranker.rerank(query(), list()).kept)).toEqual(['c1', 'c2', 'd1', 'm1', 'c3', 'c4']);
    const warm = query();
    warm.viewer.history = [{ video: 'x', kind: 'like', timeMs: NOW }];
    expect(ids(topicDiscoveryReranker.rerank(warm, list()).kept)).toEqual(['c1', 'c2', 'c3', 'd1', 'c4', 'm1']);
  });

  it('policy_order keeps the ranked order by default and serves the popular or a random order in baseline arms', () => {
    const pop = (id: string, views: number) =>
      candidate(video(id, { stats: { views, likes: 0, comments: 0, shares: 0 } }));
    const list = () => [pop('low', 1), pop('high', 100), pop('mid', 10)];
    expect(ids(policyOrderReranker.rerank(query(), list()).kept)).toEqual(['low', 'high', 'mid']);
    const popular = withSettings(query(), { rerankers: { policy_order: { order: 'popular' } } });
    expect(ids(policyOrderReranker.rerank(popular, list()).kept)).toEqual(['high', 'mid', 'low']);
    const random = withSettings(query({ requestId: 'r1' }), { rerankers: { policy_order: { order: 'random' } } });
    const once = ids(policyOrderReranker.rerank(random, list()).kept);
    expect(ids(policyOrderReranker.rerank(random, list()).kept)).toEqual(once);
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const q = withSettings(query({ requestId: `r${i}` }), { rerankers: { policy_order: { order: 'random' } } });
      orders.add(ids(policyOrderReranker.rerank(q, list()).kept).join(','));
    }
    expect(orders.size).toBe(6);
  });

  it('author_diversity keeps at most max_per_author per creator, the best-scored first', () => {
    const q = query();
    const list = ['a1', 'a2', 'b1', 'a3', 'c1', 'a4'].map((id) => candidate(video(id, { authorId: id[0]! })));
    const r = authorDiversityReranker.rerank(q, list);
    expect(testSettingsOf(AUTHOR_DIVERSITY_SETTINGS).max_per_author).toBe(2);
    expect(ids(r.kept)).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(ids(r.removed)).toEqual(['a3', 'a4']);
  });

  it('freshness_boost lifts a new upload above an older one of slightly higher score and says so', () => {
    const old = candidate(video('old', { createdAt: NOW - 30 * 86_400_000 }), { score: 1.1 });
    const fresh = candidate(video('new', { createdAt: NOW - 60_000 }), { score: 1.0 });
    const r = freshnessBoostReranker.rerank(query(), [old, fresh]);
    expect(ids(r.kept)).toEqual(['new', 'old']);
    expect(fresh.rules[0]).toMatch(/^freshness_boost x1\.\d\d$/);
    expect(old.rules).toEqual([]);
    expect(r.removed).toEqual([]);
  });

  it('freshness_boost moves negative scores up too', () => {
    const c = candidate(video('n', { createdAt: NOW }), { score: -1 });
    freshnessBoostReranker.rerank(query(), [c]);
    expect(c.score).toBeGreaterThan(-1);
  });

  it('creator_exposure_cap removes creators served past the hourly cap', () => {
    const q = withSettings(query(), { rerankers: { creator_exposure_cap: { cap_per_hour: 5 } } });
    const r = creatorExposureReranker.rerank(q, [
      candidate(video('hot'), { authorExposure: 5 }),
      candidate(video('ok'), { authorExposure: 4 }),
    ]);
    expect(ids(r.kept)).toEqual(['ok']);
    expect(ids(r.removed)).toEqual(['hot']);
  });

  it('exploration_slot places one explore-only candidate inside the page whatever its score', () => {
    const ranked = Array.from({ length: 20 }, (_, i) => candidate(video(`r${i}`), { score: 20 - i }));
    const explore = candidate(video('x'), {
      sources: [{ source: 'explore', rank: 0, score: 0 }],
      score: -5,
      propensity: 0.01,
    });
    const q = query({ limit: 10 });
    const slot = explorationSlot();
    const r = slot.place.rerank(q, slot.pick.rerank(q, [...ranked, explore]).kept);
    expect(ids(r.kept).indexOf('x')).toBe(5);
    expect(explore.rules).toEqual(['exploration_slot @5']);
    expect(r.kept).toHaveLength(21);
  });

  it('exploration_slot draws its video uniformly from the explore draws and logs that chance', () => {
    const explore = (id: string, score: number, also?: string) =>
      candidate(video(id), {
        sources: [{ source: 'explore', rank: 0, score: 0 }, ...(also ? [{ source: also, rank: 0, score: 1 }] : [])],
        score,
        // A draw another source also proposed carries 1 (it would have been a candidate anyway).
        propensity: also ? 1 : 0.003,
      });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    // A deterministic sweep of the unit interval: each of the three is drawn for a third of it.
    for (let i = 0; i < 300; i++) {
      const cs = [explore('a', 3, 'trending'), explore('b', 2), explore('c', -9), candidate(video('r'), { score: 9 })];
      const q = query({ limit: 10 });
      const slot = explorationSlot(() => (i + 0.5) / 300);
      const picked = slot.pick.rerank(q, cs).kept;
      // Whatever the rerankers in between do, the slot's video is not theirs to remove.
      expect(picked.some((c) => c.rules.length > 0 || (c.propensity < 0.003 && c.propensity > 0))).toBe(false);
      const r = slot.place.rerank(q, picked);
      const slotItem = r.kept.find((c) => c.rules.length > 0)!;
      counts[slotItem.video.id]!++;
      expect(slotItem.propensity).toBeCloseTo(0.001, 12);
    }
    expect(counts).toEqual({ a: 100, b: 100, c: 100 });
  });

  it('exploration_slot fills only the first first_pages pages of a feed session', () => {
    const page = (served: number) => {
      const explore = candidate(video('x'), { sources: [{ source: 'explore', rank: 0, score: 0 }], propensity: 0.01 });
      const ranked = Array.from({ length: 12 }, (_, i) => candidate(video(`r${i}`), { score: 12 - i }));
      const q = withSettings(
        query({ limit: 10, sessionSeen: new Set(Array.from({ length: served }, (_, i) => `s${i}`)) }),
        {
          rerankers: { exploration_slot: { first_pages: 1 } },
        },
      );
      const slot = explorationSlot(() => 0);
      return slot.place.rerank(q, slot.pick.rerank(q, [...ranked, explore]).kept).kept;
    };
    expect(ids(page(0)).indexOf('x')).toBe(5);
    expect(ids(page(9)).indexOf('x')).toBe(5);
    // Second page: no slot; the draw is an ordinary candidate, ranked by its score.
    expect(ids(page(10)).indexOf('x')).toBe(12);
    expect(page(10).some((c) => c.rules.length > 0)).toBe(false);
  });

  it('exploration_slot stays empty when no draw carries its probability', () => {
    const c = candidate(video('x'), { sources: [{ source: 'explore', rank: 0, score: 0 }] });
    const q = query({ limit: 10 });
    const slot = explorationSlot();
    expect(slot.place.rerank(q, slot.pick.rerank(q, [c]).kept).kept[0]!.rules).toEqual([]);
  });
});
