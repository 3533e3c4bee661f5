import { describe, expect, it } from 'vitest';
import { applyExample, type FeatureVideo, newFeatureState } from '../../../feature-store/definitions.ts';
import { Catalog } from '../../../retrieval/catalog.ts';
import { NOW, query, video } from '../testing/fixtures.ts';
import { emptyViewer } from '../types.ts';
import { interestsSource } from './interests.source.ts';
import { tagQualityRanking } from './tag-quality.ts';

const H = 3_600_000;
// 'shown-a-lot' is the most popular (exposure) but poorly received; 'gem' is rarely shown but loved.
const catalog = Catalog.fromVideos([
  video('shown-a-lot', {
    createdAt: NOW - 5 * H,
    hashtags: ['cats'],
    stats: { views: 900, likes: 20, comments: 0, shares: 0 },
  }),
  video('gem', { createdAt: NOW - 4 * H, hashtags: ['cats'], stats: { views: 8, likes: 3, comments: 0, shares: 0 } }),
  video('unshown', { createdAt: NOW - 1 * H, hashtags: ['cats'] }),
  video('dog', { createdAt: NOW - 2 * H, hashtags: ['dogs'] }),
]);

function store() {
  const state = newFeatureState();
  const v = (id: string): FeatureVideo => ({ id, author: 'a', tags: ['cats'], durationBucket: 1, uploadMs: 0 });
  for (let i = 0; i < 40; i++)
    applyExample(state, `u${i}`, v('shown-a-lot'), NOW - H, { longView: i % 5 === 0 ? 1 : 0 });
  for (let i = 0; i < 8; i++) applyExample(state, `w${i}`, v('gem'), NOW - H, { longView: 1 });
  let reads = 0;
  return {
    reads: () => reads,
    store: {
      async loadState() {
        reads++;
        return state;
      },
    },
  };
}

describe('tagQualityRanking', () => {
  it('orders a tag by the shrunk long-view rate, not by exposure; an unshown video sits at the global rate', async () => {
    const { store: fs } = store();
    const ranked = await tagQualityRanking(catalog, fs)('cats', NOW);
    expect(ranked.map((v) => v.id)).toEqual(['gem', 'unshown', 'shown-a-lot']);
  });

  it('shares a tag’s ranking for its maximum age of request time (concurrent requests share one read), then reads again', async () => {
    const s = store();
    const rank = tagQualityRanking(catalog, s.store, { maxAgeMs: 1_000 });
    await Promise.all([rank('cats', NOW), rank('Cats', NOW), rank('cats', NOW)]);
    expect(s.reads()).toBe(1);
    await rank('cats', NOW + 999);
    expect(s.reads()).toBe(1);
    await rank('cats', NOW + 1_000);
    expect(s.reads()).toBe(2);
  });
});

describe('interests source order', () => {
  const learned = {
    ...emptyViewer(),
    history: Array.from({ length: 10 }, (_, i) => ({ video: `h${i}`, kind: 'watch' as const, timeMs: NOW })),
    learnedTags: ['cats'],
  };

  it('takes a tag’s best-received videos first when the ranking is wired (long_view_rate)', async () => {
    const hits = await interestsSource(catalog, { ranking: tagQualityRanking(catalog, store().store) }).fetch(
      query({ viewer: learned }),
      2,
    );
    expect(hits.map((h) => h.videoId)).toEqual(['gem', 'unshown']);
  });

  it('falls back to popularity without a feature store', async () => {
    const hits = await interestsSource(catalog).fetch(query({ viewer: learned }), 2);
    expect(hits.map((h) => h.videoId)).toEqual(['shown-a-lot', 'gem']);
  });
});
