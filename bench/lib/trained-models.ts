/**
 * Real models for the serving benchmarks: a two-tower model (its ONNX query tower and item vectors) and
 * the ONNX multi-task ranker, trained by the project's own trainers on generated data with planted
 * structure (training/data/synthetic.ts), exported with the project's exporters and cached on disk, so a
 * benchmark pays the training once per machine and never serves with random weights.
 *
 * The benchmark's platform ids are bound to the trained ones afterwards (`bindModels`): entity i of the
 * benchmark takes the identity of dataset entity i, by rewriting the exported `ids.json`. The models,
 * their graphs and their weights are exactly what training exported.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDS_FILE, readF32 } from '../../model-format/artifact-files.ts';
import { OnnxRanker } from '../../ranking/scorer.onnx.ts';
import { clusteredUnitVectors } from '../../retrieval/ann/synthetic-vectors.ts';
import { buildSnapshot, type IndexSnapshot, withQueryTower } from '../../retrieval/index-holder.ts';
import { QueryTower } from '../../retrieval/query-tower.ts';

/** How big the training set is; the defaults train in well under a minute on one core. */
export interface TrainedModelOptions {
  users?: number;
  videos?: number;
  examples?: number;
  /** The query tower's output size; it must equal the serving index's dimension. */
  dims?: number;
  seed?: number;
  /** Where trained models are cached (default: the OS temp dir). */
  cacheDir?: string;
}

/** Exported model directories and what they were trained on. */
export interface TrainedModels {
  twoTowerDir: string;
  rankerDir: string;
  users: number;
  videos: number;
  dims: number;
  /** The trained item vectors, `videos × dims`, row-major, in dataset order. */
  videoVectors: Float32Array;
  /** Seconds spent training now (0 when read from the cache). */
  trainS: number;
  cached: boolean;
}

const DEFAULTS = { users: 2_000, videos: 5_000, examples: 40_000, dims: 64, seed: 17 };
const VIDEO_EMBEDDINGS = 'video_embeddings.f32';

/** The cache key: the options and a version of this recipe (bump when the training recipe changes). */
function cacheKey(o: typeof DEFAULTS): string {
  return createHash('sha256')
    .update(JSON.stringify({ recipe: 1, ...o }))
    .digest('hex')
    .slice(0, 16);
}

/** Trains (or reads from the cache) a two-tower model and a ranker on generated data. */
export async function trainedModels(opts: TrainedModelOptions = {}): Promise<TrainedModels> {
  const o = {
    users: opts.users ?? DEFAULTS.users,
    videos: opts.videos ?? DEFAULTS.videos,
    examples: opts.examples ?? DEFAULTS.examples,
    dims: opts.dims ?? DEFAULTS.dims,
    seed: opts.seed ?? DEFAULTS.seed,
  };
  const root = join(opts.cacheDir ?? tmpdir(), 'foryou-bench-models', cacheKey(o));
  const twoTowerDir = join(root, 'two_tower');
  const rankerDir = join(root, 'ranker');
  let trainS = 0;
  const cached = existsSync(join(root, 'done'));
  if (!cached) {
    const t0 = performance.now();
    const [{ generateSynthetic }, { trainTwoTower }, { trainRanker }, { exportTwoTower }, { exportRanker }] =
      await Promise.all([
        import('../../training/data/synthetic.ts'),
        import('../../training/models/two-tower/train.ts'),
        import('../../training/models/ranker/train.ts'),
        import('../../training/export/two-tower.export.ts'),
        import('../../training/export/ranker.export.ts'),
      ]);
    const ds = generateSynthetic({
      users: o.users,
      videos: o.videos,
      examples: o.examples,
      clusters: 8,
      seed: o.seed,
      startMs: Date.UTC(2026, 0, 1),
    });
    const tower = await trainTwoTower(ds, { epochs: 1, dim: o.dims, seed: o.seed });
    const ranker = await trainRanker(ds, { epochs: 1, seed: o.seed });
    // Written beside the final place and renamed, so a killed run never leaves a half-written cache.
    mkdirSync(join(root, '..'), { recursive: true });
    const tmp = mkdtempSync(`${root}.tmp-`);
    mkdirSync(join(tmp, 'two_tower'));
    mkdirSync(join(tmp, 'ranker'));
    exportTwoTower(tower, join(tmp, 'two_tower'));
    exportRanker(ranker, join(tmp, 'ranker'));
    writeFileSync(join(tmp, 'done'), new Date().toISOString());
    rmSync(root, { recursive: true, force: true });
    renameSync(tmp, root);
    trainS = (performance.now() - t0) / 1000;
  }
  const ids = JSON.parse(readFileSync(join(twoTowerDir, IDS_FILE), 'utf8')) as { users: string[]; videos: string[] };
  const videoVectors = readF32(join(twoTowerDir, VIDEO_EMBEDDINGS), ids.videos.length * o.dims);
  return {
    twoTowerDir,
    rankerDir,
    users: ids.users.length,
    videos: ids.videos.length,
    dims: o.dims,
    videoVectors,
    trainS,
    cached,
  };
}

/** Copies of the exported directories whose ids are the benchmark's (dataset entity i = benchmark entity i). */
export function bindModels(
  m: TrainedModels,
  userIds: readonly string[],
  videoIds: readonly string[],
): { twoTowerDir: string; rankerDir: string; dir: string } {
  if (userIds.length < m.users || videoIds.length < m.videos) {
    throw new Error(`the models know ${m.users} users and ${m.videos} videos; the benchmark has fewer`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'foryou-bench-bound-'));
  const out = { twoTowerDir: join(dir, 'two_tower'), rankerDir: join(dir, 'ranker'), dir };
  for (const [from, to] of [
    [m.twoTowerDir, out.twoTowerDir],
    [m.rankerDir, out.rankerDir],
  ] as const) {
    cpSync(from, to, { recursive: true });
    const ids = JSON.parse(readFileSync(join(to, IDS_FILE), 'utf8')) as { users: string[]; videos: string[] };
    writeFileSync(
      join(to, IDS_FILE),
      JSON.stringify({ users: userIds.slice(0, ids.users.length), videos: videoIds.slice(0, ids.videos.length) }),
    );
  }
  return out;
}

/** Loads the bound query tower and ranker as the feed runtime does. */
export async function loadBoundModels(
  bound: { twoTowerDir: string; rankerDir: string },
  dims: number,
): Promise<{ tower: QueryTower; ranker: OnnxRanker }> {
  const tower = await QueryTower.load(bound.twoTowerDir, { dims });
  const ranker = await OnnxRanker.load(bound.rankerDir, { version: 'ranker@bench' });
  return { tower, ranker };
}

/** What a serving benchmark reports about its models. */
export interface ServingModelsInfo {
  query_tower: 'trained';
  ranker: 'onnx';
  trained_users: number;
  trained_videos: number;
  dims: number;
  train_s: number;
  cached: boolean;
}

/**
 * The serving side of a benchmark's catalogue: the trained models bound to its ids, and a usearch index
 * of every video (the trained item vectors, then clustered unit vectors for the videos the training set
 * lacks) with the trained query tower. The caller closes `tower` and `ranker` and removes `bound.dir`.
 */
export async function servingModels(
  userIds: readonly string[],
  videoIds: readonly string[],
  dims: number,
): Promise<{
  snapshot: IndexSnapshot;
  tower: QueryTower;
  ranker: OnnxRanker;
  bound: { dir: string };
  info: ServingModelsInfo;
  buildS: number;
}> {
  const trained = await trainedFor(userIds.length, videoIds.length, dims);
  const bound = bindModels(trained, userIds, videoIds);
  const { tower, ranker } = await loadBoundModels(bound, dims);
  const t0 = performance.now();
  const vectors = new Float32Array(videoIds.length * dims);
  vectors.set(trained.videoVectors);
  vectors.set(clusteredUnitVectors(videoIds.length - trained.videos, dims, 0, 5), trained.videoVectors.length);
  const snapshot = withQueryTower(buildSnapshot('bench-trained', videoIds, vectors, 'usearch'), tower);
  return {
    snapshot,
    tower,
    ranker,
    bound,
    buildS: (performance.now() - t0) / 1000,
    info: modelsInfo(trained),
  };
}

/** The models a catalogue of this size serves with (at most 2,000 users × 5,000 videos known to them). */
function trainedFor(users: number, videos: number, dims: number): Promise<TrainedModels> {
  return trainedModels({ users: Math.min(users, 2_000), videos: Math.min(videos, 5_000), dims });
}

function modelsInfo(trained: TrainedModels): ServingModelsInfo {
  return {
    query_tower: 'trained',
    ranker: 'onnx',
    trained_users: trained.users,
    trained_videos: trained.videos,
    dims: trained.dims,
    train_s: trained.trainS,
    cached: trained.cached,
  };
}

/**
 * Trains the models `servingModels` would serve (or finds them cached) without loading them: a cluster's
 * primary calls it once so its API processes, which call `servingModels` each, never train side by side.
 */
export async function ensureTrainedModels(users: number, videos: number, dims: number): Promise<ServingModelsInfo> {
  return modelsInfo(await trainedFor(users, videos, dims));
}
