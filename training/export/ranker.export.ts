/** Export of the multi-task ranker: weights, the ONNX scoring graph, metadata with feature names and heads. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_VERSION } from '../../feature-store/definitions.ts';
import {
  exportToBuffers,
  IDS_FILE,
  MANIFEST_FILE,
  METADATA_FILE,
  readWeights,
  WEIGHTS_FILE,
  writeJson,
  writeWeights,
} from '../../model-format/artifact-files.ts';
import { RANKING_HEADS } from '../../model-format/heads.ts';
import { checkMetadata, type GraphInfo, type ModelMetadata, SCHEMA_VERSION } from '../../model-format/metadata.ts';
import type { Params } from '../../model-format/weights.ts';
import type { Artifact } from '../baselines/artifacts.ts';
import { type RankerSpec, rankerScores } from '../models/ranker/model.ts';
import { RankerModel } from '../models/ranker/ranker.model.ts';
import { gitSha } from './git-sha.ts';
import { OnnxBuilder } from './onnx-ops.ts';

export const RANKER_FILE = 'ranker.onnx';

/** The ranker graph's inputs (`features` only when the model has dense features). */
export function rankerInputs(spec: RankerSpec): GraphInfo['inputs'] {
  const inputs: GraphInfo['inputs'] = [
    { name: 'user', kind: 'int', dims: ['batch'] },
    { name: 'video', kind: 'int', dims: ['batch'] },
    { name: 'author', kind: 'int', dims: ['batch'] },
  ];
  if (spec.featureNames.length > 0)
    inputs.push({ name: 'features', kind: 'float', dims: ['batch', spec.featureNames.length] });
  return inputs;
}

/** The ranker as ONNX bytes: output `scores` [batch, heads] in `RANKING_HEADS` order. */
export function rankerGraph(spec: RankerSpec, params: Params): { bytes: Uint8Array; info: GraphInfo } {
  const dims: (number | 'batch')[] = ['batch', RANKING_HEADS.length];
  const b = new OnnxBuilder('ranker', params, rankerInputs(spec));
  const bytes = b.finish(
    [{ value: rankerScores(b, spec), name: 'scores', dims }],
    `foryou ranker; heads: ${RANKING_HEADS.join(',')}`,
  );
  return { bytes, info: { file: RANKER_FILE, inputs: rankerInputs(spec), outputs: [{ name: 'scores', dims }] } };
}

const AUTHORS = 'table.video_author';

/** Writes the ranker into `dir`; returns the metadata written. */
export function exportRanker(
  model: RankerModel,
  dir: string,
  opts: { metrics?: Record<string, unknown> } = {},
): ModelMetadata {
  const { spec } = model;
  const all: Params = new Map(model.params);
  all.set(AUTHORS, { shape: [model.videoAuthors.length], values: Float32Array.from(model.videoAuthors) });
  writeWeights(dir, all);
  const graph = rankerGraph(spec, model.params);
  writeFileSync(join(dir, RANKER_FILE), graph.bytes);
  writeJson(join(dir, IDS_FILE), model.ids);
  const { dataset, dataHash, ...training } = model.stats ?? { dataset: 'unknown', dataHash: '' };
  const meta: ModelMetadata = {
    schemaVersion: SCHEMA_VERSION,
    family: 'ranker',
    createdAt: new Date().toISOString(),
    gitSha: gitSha(),
    dataset: { name: dataset, dataHash },
    vocab: spec.vocab,
    hyperparameters: {
      ...spec.hp,
      heads: [...RANKING_HEADS],
      featureMean: spec.featureMean,
      featureInvStd: spec.featureInvStd,
    },
    featureNames: spec.featureNames,
    featureVersion: FEATURE_VERSION,
    dims: {
      features: spec.featureNames.length,
      heads: RANKING_HEADS.length,
      hidden1: spec.hp.hidden1,
      hidden2: spec.hp.hidden2,
    },
    graphs: { ranker: graph.info },
    weights: { file: WEIGHTS_FILE, manifest: MANIFEST_FILE },
    metrics: opts.metrics ?? {},
    training,
  };
  writeJson(join(dir, METADATA_FILE), meta);
  return meta;
}

/** The ranker as the CLI's registry stores it: every exported file, dims and hyperparameters. */
export function rankerArtifact(model: RankerModel, metrics?: Record<string, unknown>): Artifact {
  let meta: ModelMetadata | undefined;
  const files = exportToBuffers((dir) => {
    meta = exportRanker(model, dir, metrics ? { metrics } : {});
  });
  return { files, dims: meta!.dims, config: meta!.hyperparameters };
}

/** Loads an exported ranker; its predictions equal the exported model's. */
export function loadRanker(dir: string): RankerModel {
  const meta = checkMetadata(JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8')), 'ranker', ['ranker']);
  const { heads: _heads, featureMean, featureInvStd, ...hp } = meta.hyperparameters as Record<string, unknown>;
  const spec: RankerSpec = {
    vocab: meta.vocab,
    hp: hp as unknown as RankerSpec['hp'],
    featureNames: meta.featureNames,
    featureMean: featureMean as number[],
    featureInvStd: featureInvStd as number[],
  };
  const params = readWeights(dir);
  const authors = params.get(AUTHORS);
  if (!authors) throw new Error(`${dir}: weights lack the video author table`);
  params.delete(AUTHORS);
  const stats = {
    ...(meta.training as object),
    dataset: meta.dataset.name,
    dataHash: meta.dataset.dataHash,
  } as RankerModel['stats'];
  const ids = JSON.parse(readFileSync(join(dir, IDS_FILE), 'utf8')) as RankerModel['ids'];
  return new RankerModel(spec, params, Int32Array.from(authors.values), ids, stats);
}
