import { describe, expect, it } from 'vitest';
import { applyEvent, applyExample, newFeatureState } from '../../feature-store/definitions.ts';
import { RankerHolder } from '../../ranking/ranker-holder.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import { topicEvidenceOf } from './hydrators/history.hydrator.ts';
import { fallbackScorer } from './scorers/fallback.scorer.ts';
import { modelScorer } from './scorers/model.scorer.ts';
import { VALUE_MODEL_SETTINGS } from './scorers/value-model.settings.ts';
import { interestsSource } from './sources/interests.source.ts';
import { candidate, NOW, query, testSettingsOf, video, withSettings } from './testing/fixtures.ts';
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

  it('with warm on, serves viewers past the cold start too', () => {
    const q = withSettings(viewerQuery('u:tb-warm-on', { cats: [4, 4] }), {
      sources: { interests: { bandit: { warm: true } } },
    });
    q.viewer.recentImpressions = new Set(Array.from({ length: 50 }, (_, i) => `tb-w${i}`));
    expect(topicDraws(q)?.ranked()).toEqual(['cats']);
    expect(topicLeaders(q, 3)).toEqual(['cats']);
  });

  it("a trained ranker's score gains ranker_weight × the draw, so the watched topic wins a close call", async () => {
    const holder = new RankerHolder();
    holder.swap({ version: 'r', featureDims: 1, predict: async (x) => ({ longView: x.map((v) => v) }) });
    const make = () => [
      candidate(video('tb-rc', { hashtags: ['cats'] }), { features: new Float32Array([0.3]) }),
      candidate(video('tb-rm', { hashtags: ['music'] }), { features: new Float32Array([0.4]) }),
    ];
    const alone = viewerQuery('u:tb-ranker', { cats: [4, 4], music: [-3, 4] });
    const [c0, m0] = make();
    await modelScorer(holder).score(alone, [c0!, m0!]);
    expect(m0!.score).toBeGreaterThan(c0!.score);
    expect(c0!.valueTerms!.topic).toBeUndefined();
    const blended = withSettings(viewerQuery('u:tb-ranker', { cats: [4, 4], music: [-3, 4] }), {
      sources: { interests: { bandit: { ranker_weight: 3 } } },
    });
    const [c1, m1] = make();
    await modelScorer(holder).score(blended, [c1!, m1!]);
    expect(c1!.score).toBeGreaterThan(m1!.score);
    const draw = topicDraws(blended)!.of('cats');
    const rw = testSettingsOf(VALUE_MODEL_SETTINGS).combine.ranker_weight;
    expect(c1!.valueTerms!.topic).toBe(draw);
    expect(c1!.score - c0!.score).toBeCloseTo(rw * 3 * draw, 6);
    // A hashtag the viewer's views and picks say nothing of adds the prior mean, not a draw.
    const other = candidate(video('tb-rt', { hashtags: ['travel'] }), { features: new Float32Array([0.3]) });
    await modelScorer(holder).score(blended, [other]);
    expect(other.valueTerms!.topic).toBe(0.1);
  });

  it('evidence is what the last views of each hashtag said, and how many views carried it', () => {
    const state = newFeatureState();
    const catalog = Catalog.fromVideos([
      video('tb-e1', { hashtags: ['Cats'] }),
      video('tb-e2', { hashtags: ['music'] }),
      video('tb-e3', { hashtags: ['cats', 'music'] }),
    ]);
    const fv = (id: string, tags: string[]) => ({ id, author: 'a', tags, durationBucket: 1, uploadMs: 0 });
    // A long view of #cats, a quick swipe of #music, then an impression of both not watched yet.
    applyExample(state, 'u:tb-ev', fv('tb-e1', ['Cats']), NOW - 1000, { longView: 1 });
    applyExample(state, 'u:tb-ev', fv('tb-e2', ['music']), NOW - 500, {});
    applyEvent(state, { type: 'impression', userId: 'u:tb-ev', video: fv('tb-e3', ['cats', 'music']), timeMs: NOW });
    const ev = topicEvidenceOf(state, { actor: 'u:tb-ev', nowMs: NOW }, catalog);
    expect(ev.get('cats')).toEqual({ affinity: 1, shown: 2 });
    expect(ev.get('music')).toEqual({ affinity: -1, shown: 2 });
    expect(topicEvidenceOf(state, { actor: 'u:tb-ev', nowMs: NOW })).toEqual(new Map());
  });

  it('evidence covers only the views the feature store keeps, so old views leave it', () => {
    const state = newFeatureState();
    const ids = Array.from({ length: 60 }, (_, i) => `tb-o${i}`);
    const catalog = Catalog.fromVideos(ids.map((id, i) => video(id, { hashtags: [i < 10 ? 'old' : 'new'] })));
    for (const [i, id] of ids.entries()) {
      const tags = [i < 10 ? 'old' : 'new'];
      applyExample(state, 'u:tb-old', { id, author: 'a', tags, durationBucket: 1, uploadMs: 0 }, NOW - 60_000 + i, {
        longView: 1,
      });
    }
    const ev = topicEvidenceOf(state, { actor: 'u:tb-old', nowMs: NOW }, catalog);
    expect(ev.get('old')).toBeUndefined();
    expect(ev.get('new')).toEqual({ affinity: 50, shown: 50 });
  });
});
