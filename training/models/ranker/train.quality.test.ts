/**
 * The ranker quality gate: trained on planted clusters, it must rank engagement better than chance and
 * no worse than logistic regression. Slow (seconds of training), so it runs in the quality tier.
 */
import { describe, expect, it } from 'vitest';
import { trainLogReg } from '../../baselines/logreg.ts';
import { buildRankingInputs } from '../../data/features.ts';
import { generateSynthetic } from '../../data/synthetic.ts';
import { evaluateRanking } from '../../eval/ranking.ts';
import { trainRanker } from './train.ts';

describe('ranker quality gate (planted clusters)', () => {
  it('ranks long views and likes within users better than chance and no worse than logistic regression', async () => {
    const syn = generateSynthetic({ users: 400, videos: 300, examples: 12_000, clusters: 5, seed: 21 });
    const inputs = buildRankingInputs(syn);
    const m = await trainRanker(syn, { epochs: 2, batchSize: 256, inputs: inputs.train });
    const ours = evaluateRanking(m, inputs.validation).heads;
    const lr = evaluateRanking(trainLogReg(inputs.train).model, inputs.validation).heads;
    expect(ours.longView!.gauc).toBeGreaterThan(0.6);
    expect(ours.longView!.gauc).toBeGreaterThan(lr.longView!.gauc - 0.01);
    expect(ours.like!.gauc).toBeGreaterThan(0.55);
    m.dispose();
  }, 120_000);
});
