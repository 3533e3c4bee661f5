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

  it('ONNX reproduces a wide & deep ranker (wide terms trained away from zero) within 1e-5', async () => {
    const wide = await tinyRanker(ds, { wide: true, learningRate: 0.05 });
    const wdir = mkdtempSync(join(tmpdir(), 'ranker-export-wide-'));
    try {
      exportRanker(wide, wdir, {});
      expect(wide.params.get('wide.video')!.values.some((v) => v !== 0)).toBe(true);
      const names = JSON.parse(readFileSync(join(wdir, 'metadata.json'), 'utf8')).graphs.ranker.inputs.map(
        (i: { name: string }) => i.name,
      );
      const out = await runOnnx(readFileSync(join(wdir, RANKER_FILE)), encodeRanker(wide.spec, rows()), names);
      const ref = wide.scoreRows(rows());
      expect(out.scores!.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0)).toBeLessThan(1e-5);
      const loaded = loadRanker(wdir);
      expect(Array.from(loaded.scoreRows(rows()))).toEqual(Array.from(ref));
      loaded.dispose();
    } finally {
      wide.dispose();
      rmSync(wdir, { recursive: true, force: true });
    }
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
