import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/schema.ts';
import { tinyDataset, tinyRanker } from '../models/common/test-models.ts';
import { encodeRanker } from '../models/ranker/model.ts';
import type { RankerModel } from '../models/ranker/ranker.model.ts';
import { runOnnx } from './onnx-run.ts';
import { exportRanker, loadRanker, RANKER_FILE } from './ranker.export.ts';

let ds: Dataset;
let model: RankerModel;
let dir: string;

beforeAll(async () => {
  ds = tinyDataset();
  model = await tinyRanker(ds);
  dir = mkdtempSync(join(tmpdir(), 'ranker-export-'));
  exportRanker(model, dir, { metrics: { gauc_long_view: 0.6 } });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows() {
  const F = model.spec.featureNames.length;
  const features = (k: number) => Float32Array.from({ length: F }, (_, f) => Math.sin(k * 7 + f) * (f + 1));
  return [
    { user: 0, video: 1, author: ds.videos[1]!.author, features: features(0) },
    { user: 12, video: 40, author: ds.videos[40]!.author, features: features(1) },
    { user: undefined, video: undefined, author: 0, features: features(2) },
    { user: 1_000_000, video: 3, author: 99_999, features: features(3).map((v) => v * 1e4) },
  ];
}

describe('ranker export', () => {
  it('ONNX reproduces the tfjs per-head scores within 1e-5, unknown ids and extreme features included', async () => {
    const feed = encodeRanker(model.spec, rows());
    const names = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')).graphs.ranker.inputs.map(
      (i: { name: string }) => i.name,
    );
    const out = await runOnnx(readFileSync(join(dir, RANKER_FILE)), feed, names);
    const ref = model.scoreRows(rows());
    expect(out.scores).toHaveLength(ref.length);
    const worst = out.scores!.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
    expect(worst).toBeLessThan(1e-5);
  });

  it('a saved and loaded ranker predicts exactly as the original', () => {
    const loaded = loadRanker(dir);
    expect(Array.from(loaded.scoreRows(rows()))).toEqual(Array.from(model.scoreRows(rows())));
    loaded.dispose();
  });

  it('records feature names, heads and metrics in metadata', () => {
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
    expect(meta.featureNames).toEqual(model.spec.featureNames);
    expect(meta.hyperparameters.heads).toEqual([...model.heads]);
    expect(meta.metrics).toEqual({ gauc_long_view: 0.6 });
  });
});
