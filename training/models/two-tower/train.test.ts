import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/schema.ts';
import { tinyDataset, tinyTwoTower } from '../common/test-models.ts';
import { buildTwoTower, DEFAULT_TWO_TOWER_HP } from './model.ts';
import { pointInTimeHistories } from './train.ts';
import type { TwoTowerModel } from './two-tower.model.ts';

let ds: Dataset;
let model: TwoTowerModel;

beforeAll(async () => {
  ds = tinyDataset();
  model = await tinyTwoTower(ds);
});

const norm = (a: Float32Array, i: number, d: number) => Math.hypot(...a.subarray(i * d, (i + 1) * d));

describe('two-tower model', () => {
  it('declares an id table shared by history pooling and the video tower, with an unknown-user row', () => {
    const { params } = buildTwoTower(ds.vocab, DEFAULT_TWO_TOWER_HP);
    const shape = (n: string) => params.find((p) => p.name === n)?.shape;
    expect(shape('video.id')).toEqual([ds.vocab.videos + 1, DEFAULT_TWO_TOWER_HP.videoIdDim]);
    expect(shape('user.id')).toEqual([ds.vocab.users + 1, DEFAULT_TWO_TOWER_HP.userIdDim]);
  });

  it('produces unit-norm embeddings of the configured size for users and every catalogue video', () => {
    const v = model.videoEmbeddings();
    expect(v).toHaveLength(ds.videos.length * 16);
    for (const i of [0, 17, ds.videos.length - 1]) expect(norm(v, i, 16)).toBeCloseTo(1, 5);
    const u = model.userEmbeddings([
      { user: 0, timeMs: 0, history: [] },
      { user: -1, timeMs: 0, history: [1] },
    ]);
    expect(u).toHaveLength(32);
    expect(norm(u, 1, 16)).toBeCloseTo(1, 5);
    const scores = model.scoreAll([{ user: 2, timeMs: 0, history: [3] }]);
    expect(scores[0]).toHaveLength(ds.videos.length);
  });

  it('gives an unseen video a content-only embedding that differs from any id-based one', () => {
    const unseen = { author: ds.videos[4]!.author, tags: [1, 2], durationBucket: 3, cats: [1, 1, 1, 1] };
    const e = model.contentEmbedding(unseen);
    expect(e).toHaveLength(16);
    expect(e.every(Number.isFinite)).toBe(true);
    expect(norm(e, 0, 16)).toBeCloseTo(1, 5);
    expect(Array.from(e)).not.toEqual(Array.from(model.videoEmbeddings().subarray(4 * 16, 5 * 16)));
  });

  // Recorded once from this seed on the wasm backend; a change means the model, init or data changed.
  it('reproduces golden values for a fixed seed', () => {
    const u = model.userEmbedding({ user: 0, timeMs: 0, history: [1, 2, 3] });
    const golden = [-0.069726, 0.01004, -0.305693, -0.420696];
    Array.from(u.subarray(0, 4)).forEach((v, i) => {
      expect(v).toBeCloseTo(golden[i]!, 4);
    });
  });

  it('trains as before uniform negatives when they are off (the in-batch-only golden values)', async () => {
    const inBatch = await tinyTwoTower(ds, { uniformNegatives: 0 });
    const u = inBatch.userEmbedding({ user: 0, timeMs: 0, history: [1, 2, 3] });
    const golden = [-0.131519, -0.026596, -0.284133, -0.379378];
    Array.from(u.subarray(0, 4)).forEach((v, i) => {
      expect(v).toBeCloseTo(golden[i]!, 4);
    });
    inBatch.dispose();
  });

  it('builds point-in-time histories from pre-period likes and long views, then strictly earlier positives', () => {
    const { examples, history } = pointInTimeHistories(ds);
    const first = examples[0]!;
    const u = ds.users[ds.train[first]!.user]!;
    expect(history(first)).toEqual([...new Set([...u.historyLong, ...u.historyLike])]);
    const later = examples.find((i) => i > first && ds.train[i]!.user === ds.train[first]!.user);
    if (later !== undefined) expect(history(later)).toContain(ds.train[first]!.video);
  });
});
