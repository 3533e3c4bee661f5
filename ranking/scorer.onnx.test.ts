import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointInTimeFeatures } from '../feature-store/definitions.ts';
import { RANKING_HEADS } from '../model-format/heads.ts';
import type { Dataset } from '../training/data/schema.ts';
import { exportRanker } from '../training/export/ranker.export.ts';
import { tinyDataset, tinyRanker } from '../training/models/common/test-models.ts';
import type { RankerModel } from '../training/models/ranker/ranker.model.ts';
import { OnnxRanker } from './scorer.onnx.ts';

let ds: Dataset;
let model: RankerModel;
let dir: string;

beforeAll(async () => {
  ds = tinyDataset();
  model = await tinyRanker(ds);
  dir = mkdtempSync(join(tmpdir(), 'ranker-scorer-'));
  exportRanker(model, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OnnxRanker', () => {
  it('batch-scores candidates into one array per head, matching the trained model within 1e-5', async () => {
    const scorer = await OnnxRanker.load(dir, { version: 'v1' });
    const examples = ds.validation.slice(0, 50);
    const { features } = pointInTimeFeatures(ds, examples);
    const F = scorer.featureDims;
    const flat = new Float32Array(examples.length * F);
    features.forEach((f, i) => {
      flat.set(f, i * F);
    });
    const userId = ds.users[examples[0]!.user]!.externalId;
    const same = examples.map((e) => ({ ...e, user: examples[0]!.user }));
    const got = await scorer.predict(flat, examples.length, {
      userId,
      videoIds: same.map((e) => ds.videos[e.video]!.externalId),
    });
    const ref = model.predict(same.map((example, i) => ({ example, features: features[i]! })));
    expect(Object.keys(got)).toEqual([...RANKING_HEADS]);
    for (const h of RANKING_HEADS) {
      expect(got[h]).toHaveLength(examples.length);
      got[h].forEach((v, i) => {
        expect(Math.abs(v - ref[h][i]!)).toBeLessThan(1e-5);
      });
    }
    expect(scorer.version).toBe('v1');
    await scorer.close();
  });

  it('scores rows without ids through the unknown buckets, probabilities in [0, 1]', async () => {
    const scorer = await OnnxRanker.load(dir);
    const out = await scorer.predict(new Float32Array(3 * scorer.featureDims), 3);
    for (const h of RANKING_HEADS.filter((x) => x !== 'watchRatio')) {
      for (const p of out[h]) expect(p >= 0 && p <= 1).toBe(true);
    }
    await expect(scorer.predict(new Float32Array(5), 3)).rejects.toThrow(/5 features for 3 rows/);
    await scorer.close();
  });

  it('refuses a model trained on other features', async () => {
    await expect(OnnxRanker.load(dir, { featureNames: ['a', 'b'] })).rejects.toThrow(/trained on features/);
  });
});
