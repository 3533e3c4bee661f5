/**
 * Export of the two-tower model: weights, ONNX graphs of the query tower (served per request) and the
 * video tower (for new uploads), the catalogue's `video_embeddings.f32` for the ANN index, metadata.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportToBuffers,
  IDS_FILE,
  MANIFEST_FILE,
  METADATA_FILE,
  readF32,
  readWeights,
  WEIGHTS_FILE,
  writeF32,
  writeJson,
  writeWeights,
} from '../../model-format/artifact-files.ts';
import { checkMetadata, type GraphInfo, type ModelMetadata, SCHEMA_VERSION } from '../../model-format/metadata.ts';
import type { Params } from '../../model-format/weights.ts';
import type { Artifact } from '../baselines/artifacts.ts';
import { type TowerUser, type TwoTowerSpec, userTower, videoTower } from '../models/two-tower/model.ts';
import { TwoTowerModel } from '../models/two-tower/two-tower.model.ts';
import { gitSha } from './git-sha.ts';
import { OnnxBuilder } from './onnx-ops.ts';

export const QUERY_TOWER_FILE = 'query_tower.onnx';
export const VIDEO_TOWER_FILE = 'video_tower.onnx';
export const VIDEO_EMBEDDINGS_FILE = 'video_embeddings.f32';

/** The query tower's inputs (the `user_cats` / `user_nums` inputs exist only when the vocabulary has them). */
export function queryTowerInputs(spec: TwoTowerSpec): GraphInfo['inputs'] {
  const { vocab, hp } = spec;
  const inputs: GraphInfo['inputs'] = [
    { name: 'user', kind: 'int', dims: ['batch'] },
    { name: 'history', kind: 'int', dims: ['batch', hp.historyLen] },
    { name: 'history_mask', kind: 'float', dims: ['batch', hp.historyLen] },
  ];
  if (vocab.userCats.length > 0)
    inputs.push({ name: 'user_cats', kind: 'int', dims: ['batch', vocab.userCats.length] });
  if (vocab.userNums > 0) inputs.push({ name: 'user_nums', kind: 'float', dims: ['batch', vocab.userNums] });
  return inputs;
}

/** The video tower's inputs. */
export function videoTowerInputs(spec: TwoTowerSpec): GraphInfo['inputs'] {
  const { vocab, hp } = spec;
  const inputs: GraphInfo['inputs'] = [
    { name: 'video', kind: 'int', dims: ['batch'] },
    { name: 'id_keep', kind: 'float', dims: ['batch', 1] },
    { name: 'author', kind: 'int', dims: ['batch'] },
    { name: 'tags', kind: 'int', dims: ['batch', hp.maxTags] },
    { name: 'tag_mask', kind: 'float', dims: ['batch', hp.maxTags] },
    { name: 'duration', kind: 'int', dims: ['batch'] },
  ];
  if (vocab.videoCats.length > 0)
    inputs.push({ name: 'video_cats', kind: 'int', dims: ['batch', vocab.videoCats.length] });
  return inputs;
}

/** Both towers as ONNX model bytes, with their declared interfaces. */
export function twoTowerGraphs(
  spec: TwoTowerSpec,
  params: Params,
): Record<'query_tower' | 'video_tower', { bytes: Uint8Array; info: GraphInfo }> {
  const dims: (number | 'batch')[] = ['batch', spec.hp.dim];
  const q = new OnnxBuilder('query_tower', params, queryTowerInputs(spec));
  const qInfo: GraphInfo = {
    file: QUERY_TOWER_FILE,
    inputs: queryTowerInputs(spec),
    outputs: [{ name: 'user_embedding', dims }],
  };
  const qBytes = q.finish(
    [{ value: userTower(q, spec), name: 'user_embedding', dims }],
    'foryou two-tower query tower',
  );
  const v = new OnnxBuilder('video_tower', params, videoTowerInputs(spec));
  const vInfo: GraphInfo = {
    file: VIDEO_TOWER_FILE,
    inputs: videoTowerInputs(spec),
    outputs: [{ name: 'video_embedding', dims }],
  };
  const vBytes = v.finish(
    [{ value: videoTower(v, spec), name: 'video_embedding', dims }],
    'foryou two-tower video tower',
  );
  return { query_tower: { bytes: qBytes, info: qInfo }, video_tower: { bytes: vBytes, info: vInfo } };
}

const USER_CATS = 'table.user_cats';
const USER_NUMS = 'table.user_nums';

/** Writes the model into `dir`; returns the metadata written. */
export function exportTwoTower(
  model: TwoTowerModel,
  dir: string,
  opts: { metrics?: Record<string, unknown> } = {},
): ModelMetadata {
  const { spec } = model;
  const { vocab } = spec;
  const C = vocab.userCats.length;
  const N = vocab.userNums;
  // The user attribute table travels with the weights so that a loaded model answers `scoreAll` alone.
  const cats = new Float32Array(vocab.users * C);
  const nums = new Float32Array(vocab.users * N);
  model.users.forEach((u, i) => {
    for (let c = 0; c < C; c++) cats[i * C + c] = u.cats[c] ?? 0;
    for (let n = 0; n < N; n++) nums[i * N + n] = u.nums[n] ?? 0;
  });
  const all: Params = new Map(model.params);
  all.set(USER_CATS, { shape: [vocab.users, C], values: cats });
  all.set(USER_NUMS, { shape: [vocab.users, N], values: nums });
  writeWeights(dir, all);
  const graphs = twoTowerGraphs(spec, model.params);
  for (const g of Object.values(graphs)) writeFileSync(join(dir, g.info.file), g.bytes);
  writeF32(join(dir, VIDEO_EMBEDDINGS_FILE), model.videoEmbeddings());
  writeJson(join(dir, IDS_FILE), model.ids);
  const { dataset, dataHash, ...training } = model.stats ?? { dataset: 'unknown', dataHash: '' };
  const meta: ModelMetadata = {
    schemaVersion: SCHEMA_VERSION,
    family: 'two_tower',
    createdAt: new Date().toISOString(),
    gitSha: gitSha(),
    dataset: { name: dataset, dataHash },
    vocab,
    hyperparameters: { ...spec.hp },
    featureNames: [],
    dims: { embedding: spec.hp.dim, historyLen: spec.hp.historyLen, maxTags: spec.hp.maxTags, videos: vocab.videos },
    graphs: { query_tower: graphs.query_tower.info, video_tower: graphs.video_tower.info },
    weights: { file: WEIGHTS_FILE, manifest: MANIFEST_FILE },
    metrics: opts.metrics ?? {},
    training,
  };
  writeJson(join(dir, METADATA_FILE), meta);
  return meta;
}

/** The model as the CLI's registry stores it: every exported file, dims and hyperparameters. */
export function twoTowerArtifact(model: TwoTowerModel, metrics?: Record<string, unknown>): Artifact {
  let meta: ModelMetadata | undefined;
  const files = exportToBuffers((dir) => {
    meta = exportTwoTower(model, dir, metrics ? { metrics } : {});
  });
  return { files, dims: meta!.dims, config: meta!.hyperparameters };
}

/** Loads an exported two-tower model; its predictions equal the exported model's. */
export function loadTwoTower(dir: string): TwoTowerModel {
  const meta = checkMetadata(JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8')), 'two_tower', [
    'query_tower',
    'video_tower',
  ]);
  const spec = { vocab: meta.vocab, hp: meta.hyperparameters as unknown as TwoTowerSpec['hp'] };
  const params = readWeights(dir);
  const cats = params.get(USER_CATS);
  const nums = params.get(USER_NUMS);
  if (!cats || !nums) throw new Error(`${dir}: weights lack the user attribute table`);
  params.delete(USER_CATS);
  params.delete(USER_NUMS);
  const C = spec.vocab.userCats.length;
  const N = spec.vocab.userNums;
  const users: TowerUser[] = Array.from({ length: spec.vocab.users }, (_, i) => ({
    cats: Array.from(cats.values.subarray(i * C, (i + 1) * C)),
    nums: Array.from(nums.values.subarray(i * N, (i + 1) * N)),
  }));
  const emb = readF32(join(dir, VIDEO_EMBEDDINGS_FILE), spec.vocab.videos * spec.hp.dim);
  const stats = {
    ...(meta.training as object),
    dataset: meta.dataset.name,
    dataHash: meta.dataset.dataHash,
  } as TwoTowerModel['stats'];
  const ids = JSON.parse(readFileSync(join(dir, IDS_FILE), 'utf8')) as TwoTowerModel['ids'];
  return new TwoTowerModel(spec, params, users, emb, ids, stats);
}
