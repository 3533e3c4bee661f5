import { describe, expect, it } from 'vitest';
import { applyInteraction, newFeatureState } from '../../feature-store/definitions.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import { topicEvidenceOf } from './hydrators/history.hydrator.ts';
import { fallbackScorer } from './scorers/fallback.scorer.ts';
import { interestsSource } from './sources/interests.source.ts';
import { candidate, NOW, query, video, withSettings } from './testing/fixtures.ts';
import { TOPIC_BANDIT_SCHEMA, topicDraws, topicLeaders, topicPosterior } from './topic-bandit.ts';
import { emptyViewer, type FeedQuery } from './types.ts';

const ON = {
  sources: { interests: { bandit: { weight: 3, prior: 0.1, picked_prior: 0.5, prior_views: 1, sd: 0.3 } } },
};

/** A viewer (own actor per test) with the bandit on and the given evidence and picked interests. */
function viewerQuery(actor: string, evidence: Record<string, [number, number]>, interests: string[] = []): FeedQuery {
  const viewer = emptyViewer();
  viewer.interests = interests;
  viewer.topicEvidence = new Map(Object.entries(evidence).map(([t, [affinity, shown]]) => [t, { affinity, shown }]));
  return withSettings(query({ actor, viewer }), ON);
}

describe('topic bandit', () => {
  it('is off by default: no draws, no cache-key leaders', () => {
    const q = query({ actor: 'u:tb-off' });
    expect(topicDraws(q)).toBeUndefined();
    expect(topicLeaders(q, 3)).toEqual([]);
  });

  it('estimates a hashtag by its affinity per impression, shrunk to the prior (picked ones start higher)', () => {
    const s = TOPIC_BANDIT_SCHEMA.parse({ prior: 0, picked_prior: 0.8, prior_views: 2 });
    // Often shown and swiped away sinks below one shown twice and watched to the end.
    expect(topicPosterior({ affinity: -3, shown: 6 }, false, s).mean).toBeLessThan(0);
    expect(topicPosterior({ affinity: 2, shown: 2 }, false, s).mean).toBeCloseTo(0.5, 6);
    expect(topicPosterior(undefined, true, s).mean).toBeCloseTo(0.8, 6);
    expect(topicPosterior(undefined, false, s).mean).toBe(0);
    // More impressions, a narrower draw.
    expect(topicPosterior({ affinity: 4, shown: 8 }, false, s).views).toBeGreaterThan(
      topicPosterior({ affinity: 1, shown: 2 }, false, s).views,
    );
  });

  it('hands over to the learned tags once the history outgrows the recent impressions', () => {
    const q = viewerQuery('u:tb-long', { cats: [4, 4] });
    q.viewer.recentImpressions = new Set(Array.from({ length: 50 }, (_, i) => `tb-r${i}`));
    expect(topicDraws(q)).toBeUndefined();
    expect(topicLeaders(q, 3)).toEqual([]);
  });

  it('draws once per request and hashtag, reproducibly, and ranks a watched topic above a swiped one', () => {
    const a = viewerQuery('u:tb-rank', { cats: [4, 4], music: [-3, 4] });
    const b = viewerQuery('u:tb-rank', { cats: [4, 4], music: [-3, 4] });
    const da = topicDraws(a)!;
    expect(da.of('cats')).toBe(da.of('CATS'));
    expect(da.of('cats')).toBe(topicDraws(b)!.of('cats'));
    expect(da.ranked()).toEqual(['cats', 'music']);
    expect(topicLeaders(a, 1)).toEqual(['cats']);
  });

  it('the fallback scorer puts the watched topic first even against a far more popular video', () => {
    const q = viewerQuery('u:tb-score', { cats: [4, 4], music: [-3, 4] });
    const cat = candidate(video('tb-c', { hashtags: ['cats'] }));
    const hit = candidate(
      video('tb-m', { hashtags: ['music'], stats: { views: 100_000, likes: 10_000, comments: 0, shares: 0 } }),
    );
    return fallbackScorer.score(q, [cat, hit]).then(() => expect(cat.score).toBeGreaterThan(hit.score));
  });

  it('the interests source draws from the best drawn hashtags, picked ones included before any evidence', async () => {
    const catalog = Catalog.fromVideos(
      ['cats', 'music', 'travel'].flatMap((t) => [1, 2].map((i) => video(`tb-${t}${i}`, { hashtags: [t] }))),
    );
    const src = interestsSource(catalog);
    const cold = viewerQuery('u:tb-cold', {}, ['travel']);
    expect((await src.fetch(cold, 10)).map((h) => h.videoId).sort()).toEqual(['tb-travel1', 'tb-travel2']);
    const warm = viewerQuery('u:tb-warm', { cats: [4, 4], music: [-3, 4] });
    const got = (await src.fetch(warm, 10)).map((h) => h.videoId);
    expect(got.slice(0, 1)).toEqual(['tb-cats1']);
    expect(got.every((id) => !id.startsWith('tb-travel'))).toBe(true);
  });

  it('evidence counts the affinity per hashtag and the recent impressions that carried it', () => {
    const state = newFeatureState();
    const catalog = Catalog.fromVideos([
      video('tb-e1', { hashtags: ['Cats'] }),
      video('tb-e2', { hashtags: ['music'] }),
    ]);
    const fv = (id: string, tags: string[]) => ({ id, author: 'a', tags, durationBucket: 1, uploadMs: 0 });
    applyInteraction(state, 'u:tb-ev', fv('tb-e1', ['Cats']), NOW - 1000, { impression: 1, affinity: 1 });
    applyInteraction(state, 'u:tb-ev', fv('tb-e2', ['music']), NOW - 500, { impression: 1, affinity: -1 });
    const ev = topicEvidenceOf(state, { actor: 'u:tb-ev', nowMs: NOW }, catalog);
    expect(ev.get('cats')?.shown).toBe(1);
    expect(ev.get('cats')?.affinity).toBeGreaterThan(0.99);
    expect(ev.get('music')?.affinity).toBeLessThan(-0.99);
  });
});
