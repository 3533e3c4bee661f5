import { describe, expect, it } from 'vitest';
import { candidate, ids, NOW, query, testSettingsOf, video, withSettings } from '../testing/fixtures.ts';
import { AUTHOR_DIVERSITY_SETTINGS, authorDiversityReranker } from './author-diversity.reranker.ts';
import { creatorExposureReranker } from './creator-exposure.reranker.ts';
import { explorationSlotReranker } from './exploration-slot.reranker.ts';
import { freshnessBoostReranker } from './freshness-boost.reranker.ts';

describe('rerankers', () => {
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
    const explore = candidate(video('x'), { sources: [{ source: 'explore', rank: 0, score: 0 }], score: -5 });
    const r = explorationSlotReranker.rerank(query({ limit: 10 }), [...ranked, explore]);
    expect(ids(r.kept).indexOf('x')).toBe(5);
    expect(explore.rules).toEqual(['exploration_slot @5']);
    expect(r.kept).toHaveLength(21);
  });
});
