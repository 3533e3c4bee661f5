/**
 * The two-tower quality gate: trained for 3 epochs on planted clusters, it must beat random and
 * most-popular by a wide margin. Slow (seconds of training), so it runs in the quality tier.
 */
import { describe, expect, it } from 'vitest';
import { mostPopular, randomModel } from '../../baselines/popular.ts';
import { generateSynthetic } from '../../data/synthetic.ts';
import { buildRetrievalCases, evaluateRetrieval } from '../../eval/retrieval.ts';
import { trainTwoTower } from './train.ts';

describe('two-tower quality gate (planted clusters)', () => {
  it('retrieves validation positives far better than random and most-popular', async () => {
    const syn = generateSynthetic({ users: 400, videos: 300, examples: 12_000, clusters: 5, seed: 21 });
    const m = await trainTwoTower(syn, { epochs: 3, batchSize: 256, dim: 32, hidden: 64, seed: 1 });
    const cases = buildRetrievalCases(syn, 'validation');
    const r = (x: Parameters<typeof evaluateRetrieval>[0]) =>
      evaluateRetrieval(x, cases, syn.videos.length).overall.recall_at_50;
    const tt = r(m);
    expect(tt).toBeGreaterThan(1.5 * r(mostPopular(syn)));
    expect(tt).toBeGreaterThan(2.5 * r(randomModel(syn.videos.length)));
    m.dispose();
  }, 120_000);
});
