import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/schema.ts';
import { tinyDataset, tinyTwoTower } from '../models/common/test-models.ts';
import { encodeUsers, encodeVideos } from '../models/two-tower/model.ts';
import type { TwoTowerModel } from '../models/two-tower/two-tower.model.ts';
import { runOnnx } from './onnx-run.ts';
import { exportTwoTower, loadTwoTower, QUERY_TOWER_FILE, VIDEO_TOWER_FILE } from './two-tower.export.ts';

let ds: Dataset;
let model: TwoTowerModel;
let dir: string;

beforeAll(async () => {
  ds = tinyDataset();
  model = await tinyTwoTower(ds);
  dir = mkdtempSync(join(tmpdir(), 'two-tower-export-'));
  exportTwoTower(model, dir, { metrics: { recall_at_100: 0.5 } });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('two-tower export', () => {
  it('query-tower ONNX reproduces the tfjs user embeddings within 1e-5, unknown users and empty histories included', async () => {
    const queries = [
      { user: 0, timeMs: 0, history: [1, 2, 3] },
      { user: 5, timeMs: 0, history: [] },
      { user: 999_999, timeMs: 0, history: Array.from({ length: 30 }, (_, i) => i) },
    ];
    const feed = encodeUsers(
      model.spec,
      queries.map((q) => ({ user: q.user, attrs: model.users[q.user], history: q.history })),
    );
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
    const names = meta.graphs.query_tower.inputs.map((i: { name: string }) => i.name);
    const out = await runOnnx(readFileSync(join(dir, QUERY_TOWER_FILE)), feed, names);
    const ref = model.userEmbeddings(queries);
    expect(out.user_embedding).toHaveLength(ref.length);
    expect(maxDiff(out.user_embedding!, ref)).toBeLessThan(1e-5);
  });

  it('video-tower ONNX reproduces the tfjs video embeddings (id and content-only paths) within 1e-5', async () => {
    const rows = [0, 1, 2, 50].flatMap((id) => [true, false].map((keepId) => ({ id, keepId, attrs: ds.videos[id]! })));
    const feed = encodeVideos(model.spec, rows);
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
    const names = meta.graphs.video_tower.inputs.map((i: { name: string }) => i.name);
    const out = await runOnnx(readFileSync(join(dir, VIDEO_TOWER_FILE)), feed, names);
    expect(maxDiff(out.video_embedding!, model.videoTowerEmbeddings(rows))).toBeLessThan(1e-5);
  });

  it('a saved and loaded model scores exactly as the original', () => {
    const loaded = loadTwoTower(dir);
    const queries = [0, 7, 42].map((user) => ({ user, timeMs: 0, history: [3, 4] }));
    const a = model.scoreAll(queries);
    const b = loaded.scoreAll(queries);
    a.forEach((s, i) => {
      expect(Array.from(b[i]!)).toEqual(Array.from(s));
    });
    expect(Array.from(loaded.contentEmbedding(ds.videos[9]!))).toEqual(
      Array.from(model.contentEmbedding(ds.videos[9]!)),
    );
    loaded.dispose();
  });

  it('writes metadata with schema version, vocabulary, dims, data hash and the metrics passed in', () => {
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({
      schemaVersion: 1,
      family: 'two_tower',
      dims: { embedding: 16 },
      metrics: { recall_at_100: 0.5 },
    });
    expect(meta.dataset.dataHash).toBe(ds.dataHash);
    expect(meta.vocab.videos).toBe(ds.videos.length);
    expect(readFileSync(join(dir, 'video_embeddings.f32')).byteLength).toBe(ds.videos.length * 16 * 4);
  });
});
