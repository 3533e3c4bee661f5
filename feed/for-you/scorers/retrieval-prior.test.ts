import { describe, expect, it } from 'vitest';
import { buildSnapshot, withQueryTower } from '../../../retrieval/index-holder.ts';
import { snapshotView } from '../../../retrieval/service/snapshot-view.ts';
import { candidate, NOW, query, testSettingsOf, video, withSettings } from '../testing/fixtures.ts';
import { emptyViewer } from '../types.ts';
import { keepForRanking, scoreRetrievalPrior } from './retrieval-prior.ts';
import { VALUE_MODEL_SETTINGS } from './value-model.settings.ts';

/** Unit vectors on a circle: a at 0 rad, b at π/2, c at π. */
function snapshot() {
  const v = new Float32Array([1, 0, 0, 1, -1, 0]);
  return buildSnapshot('t', ['a', 'b', 'c'], v);
}
const from = (source: string, rank: number, score = 0) => [{ source, rank, score }];

describe('retrieval prior', () => {
  it('is the query tower’s affinity over the temperature, for every source; unknown videos get the lowest', async () => {
    const tower = { dims: 2, embed: async () => new Float32Array([1, 0]) };
    const q = query({ index: snapshotView(withQueryTower(snapshot(), tower)) });
    const t = testSettingsOf(VALUE_MODEL_SETTINGS).combine.retrieval_temperature;
    const cs = [
      candidate(video('b'), { sources: from('trending', 0) }),
      candidate(video('c'), { sources: from('popular', 3) }),
      candidate(video('new'), { sources: from('fresh', 0) }),
    ];
    await scoreRetrievalPrior(q, cs);
    expect(cs.map((c) => c.prior)).toEqual([expect.closeTo(0), expect.closeTo(-1 / t), expect.closeTo(-1 / t)]);
  });

  it('reads a content-only index (mean of engaged videos) at the softer content temperature', async () => {
    const viewer = { ...emptyViewer(), history: [{ video: 'a', kind: 'like' as const, timeMs: NOW }] };
    const q = query({ viewer, index: snapshotView(snapshot()) });
    const t = testSettingsOf(VALUE_MODEL_SETTINGS).combine.content_temperature;
    expect(t).toBeGreaterThan(testSettingsOf(VALUE_MODEL_SETTINGS).combine.retrieval_temperature);
    const cs = [
      candidate(video('b'), { sources: from('trending', 0) }),
      candidate(video('c'), { sources: from('popular', 3) }),
      candidate(video('new'), { sources: from('fresh', 0) }),
    ];
    await scoreRetrievalPrior(q, cs);
    expect(cs[0]!.prior).toBeCloseTo(0);
    expect(cs[1]!.prior).toBeCloseTo(-1 / t);
    expect(cs[0]!.affinity).toBeCloseTo(0);
    expect(cs[2]!.prior).toBeCloseTo(-1 / t);
  });

  it('is 0 for every candidate of a viewer with nothing to embed (source ranks are not comparable)', async () => {
    const cs = [
      candidate(video('a'), { sources: [...from('trending', 3), ...from('popular', 1)] }),
      candidate(video('b'), { sources: from('interests', 0) }),
    ];
    await scoreRetrievalPrior(query({ index: snapshotView(snapshot()) }), cs);
    expect(cs.map((c) => c.prior)).toEqual([0, 0]);
  });

  it('keeps the top N priors, each source’s best few and every exploration pick, best prior first', () => {
    const q = withSettings(query(), { value_model: { combine: { rank_top_n: 2, keep_per_source: 1 } } });
    const cs = [
      candidate(video('p1'), { prior: 5, sources: from('two_tower', 0) }),
      candidate(video('p2'), { prior: 4, sources: from('two_tower', 1) }),
      candidate(video('p3'), { prior: 3, sources: from('two_tower', 2) }),
      candidate(video('follow0'), { prior: -2, sources: from('following', 0) }),
      candidate(video('follow1'), { prior: -1, sources: from('following', 1) }),
      candidate(video('x'), { prior: -9, sources: from('explore', 7), propensity: 0.01 }),
    ];
    expect(keepForRanking(q, cs).map((c) => c.video.id)).toEqual(['p1', 'p2', 'follow0', 'x']);
  });

  it('keeps at most keep_per_author of one creator among the top N, so the cut reaches other creators', () => {
    const q = withSettings(query(), {
      value_model: { combine: { rank_top_n: 3, keep_per_source: 0, keep_per_author: 2 } },
    });
    const by = (id: string, authorId: string, prior: number) =>
      candidate(video(id, { authorId }), { prior, sources: from('two_tower', 0) });
    const cs = [by('a1', 'a', 5), by('a2', 'a', 4), by('a3', 'a', 3), by('b1', 'b', 2), by('c1', 'c', 1)];
    expect(keepForRanking(q, cs).map((c) => c.video.id)).toEqual(['a1', 'a2', 'b1']);
  });
});
