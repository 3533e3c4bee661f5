/** Small fixed-seed models on the synthetic planted-cluster data, shared by the model and export tests. */

import type { Dataset } from '../../data/schema.ts';
import { generateSynthetic } from '../../data/synthetic.ts';
import type { RankerModel } from '../ranker/ranker.model.ts';
import { type RankerConfig, trainRanker } from '../ranker/train.ts';
import { type TwoTowerConfig, trainTwoTower } from '../two-tower/train.ts';
import type { TwoTowerModel } from '../two-tower/two-tower.model.ts';

/** A tiny synthetic dataset (fast to train on): 4 planted clusters, 300 users, 200 videos. */
export function tinyDataset(): Dataset {
  return generateSynthetic({ users: 300, videos: 200, examples: 6000, clusters: 4, seed: 11 });
}

/** A tiny two-tower model trained for a few steps on `tinyDataset()`; hyperparameters pinned for golden values. */
export function tinyTwoTower(ds: Dataset = tinyDataset(), overrides: TwoTowerConfig = {}): Promise<TwoTowerModel> {
  return trainTwoTower(ds, {
    epochs: 1,
    logQWeight: 1,
    batchSize: 128,
    dim: 16,
    userIdDim: 8,
    videoIdDim: 16,
    hidden: 32,
    historyLen: 10,
    seed: 5,
    ...overrides,
  });
}

/** A tiny ranker trained for a few steps on `tinyDataset()` with the shared point-in-time features. */
export function tinyRanker(ds: Dataset = tinyDataset(), overrides: RankerConfig = {}): Promise<RankerModel> {
  return trainRanker(ds, {
    epochs: 1,
    batchSize: 256,
    hidden1: 32,
    hidden2: 16,
    userIdDim: 4,
    videoIdDim: 4,
    authorDim: 4,
    seed: 3,
    ...overrides,
  });
}
