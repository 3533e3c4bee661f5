import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../training/data/schema.ts';
import { exportTwoTower } from '../training/export/two-tower.export.ts';
import { tinyDataset, tinyTwoTower } from '../training/models/common/test-models.ts';
import type { TwoTowerModel } from '../training/models/two-tower/two-tower.model.ts';
import { QueryTower } from './query-tower.ts';

let ds: Dataset;
let model: TwoTowerModel;
let dir: string;

beforeAll(async () => {
  ds = tinyDataset();
  model = await tinyTwoTower(ds);
  dir = mkdtempSync(join(tmpdir(), 'query-tower-'));
  exportTwoTower(model, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('QueryTower', () => {
  it('embeds known and unknown users as the trained model does, within 1e-5', async () => {
    const tower = await QueryTower.load(dir, { dims: 16 });
    const queries = [
      { user: 3, timeMs: 0, history: [5, 6, 7] },
      { user: 123_456, timeMs: 0, history: [] },
    ];
    const got = await tower.embedIndices(queries);
    expect(maxDiff(got, model.userEmbeddings(queries))).toBeLessThan(1e-5);
    await tower.close();
  });

  it('maps platform ids, ignoring history ids it does not know', async () => {
    const tower = await QueryTower.load(dir);
    const byIds = await tower.embed({
      userId: ds.users[3]!.externalId,
      history: [ds.videos[5]!.externalId, 'never-seen', ds.videos[6]!.externalId],
    });
    const byIndex = await tower.embedIndices([{ user: 3, history: [5, 6] }]);
    expect(Array.from(byIds)).toEqual(Array.from(byIndex));
    expect(byIds).toHaveLength(16);
    await tower.close();
  });

  it('refuses a model whose dimension differs from the index', async () => {
    await expect(QueryTower.load(dir, { dims: 64 })).rejects.toThrow(/16 dims but the index has 64/);
  });

  it('refuses metadata of another schema version or family with a clear message', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'query-tower-bad-'));
    try {
      const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
      writeFileSync(join(bad, 'metadata.json'), JSON.stringify({ ...meta, schemaVersion: 99 }));
      await expect(QueryTower.load(bad)).rejects.toThrow(/schema version 99/);
      writeFileSync(join(bad, 'metadata.json'), JSON.stringify({ ...meta, family: 'ranker' }));
      await expect(QueryTower.load(bad)).rejects.toThrow(/family 'ranker'/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
