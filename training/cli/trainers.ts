import { existsSync } from 'node:fs';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import type { Artifact } from '../baselines/artifacts.ts';
import { contentRetrieval } from '../baselines/content.ts';
import { itemKnn, tunedItemKnn } from '../baselines/item-knn.ts';
import { LOGREG_FEATURE_GRID, trainLogReg } from '../baselines/logreg.ts';
import { trainMf } from '../baselines/mf.ts';
import { decayedPopular, mostPopular, randomModel, tunedDecayedPopular } from '../baselines/popular.ts';
import type { Dataset } from '../data/schema.ts';
import { evaluateRanking } from '../eval/ranking.ts';
import { buildRetrievalCases, evaluateRetrieval } from '../eval/retrieval.ts';
import type { WarmStart } from '../models/common/warm-start.ts';
import type { OnProgress, RankingInput, RankingModel, RetrievalModel } from '../models/types.ts';
import type { ModelSpec } from './experiment.ts';

/** A trained model as the CLI handles it: what it predicts, how to save it, and what it cost. */
export interface TrainedModel {
  family: ModelSpec['type'];
  retrieval?: RetrievalModel;
  ranking?: RankingModel;
  /** Null when the family offers no way to save itself yet: such a model is evaluated but not registered. */
  artifact: Artifact | null;
  /** Feature names the model reads (ranking models); empty otherwise. */
  featureNames: readonly string[];
  /** Training examples processed (per epoch × epochs for iterative trainers), for throughput. */
  examplesProcessed: number;
  trainMs: number;
  videoEmbeddings?: { dim: number; vectors: Float32Array };
  notes?: Record<string, unknown>;
  /** Settings the trainer chose on validation (e.g. a tuned half-life): a refit uses them as given. */
  chosen?: Record<string, unknown>;
}

/** What a neural trainer module must export; the trainers validate their own params. */
type NeuralTrainer = (ds: Dataset, cfg: unknown, onProgress?: OnProgress) => Promise<unknown>;

/** Where a neural model begins (the learning loop's warm start from production) and what it steps over. */
export interface WarmFit {
  warmStart: WarmStart & Record<string, unknown>;
  /** Step only over examples from this time on (what the earlier model has not learnt from). */
  trainFromMs?: number;
}

const NEURAL = {
  two_tower: { module: '../models/two-tower/train.ts', fn: 'trainTwoTower' },
  ranker: { module: '../models/ranker/train.ts', fn: 'trainRanker' },
} as const;

/** Imported lazily so the baselines keep working while (or where) the neural trainers are absent. */
async function neuralTrainer(type: keyof typeof NEURAL): Promise<NeuralTrainer> {
  const { module, fn } = NEURAL[type];
  const url = new URL(module, import.meta.url);
  if (!existsSync(url)) throw new Error(`${type}: trainer ${module} is not available in this checkout`);
  const mod = (await import(url.href)) as Record<string, unknown>;
  if (typeof mod[fn] !== 'function') throw new Error(`${type}: ${module} does not export ${fn}()`);
  return mod[fn] as NeuralTrainer;
}

/** The ranker's feature sets to choose between on validation (just every feature if its trainer does not list any). */
async function rankerFeatureSets(): Promise<Readonly<Record<string, readonly string[]>>> {
  const mod = (await import(new URL(NEURAL.ranker.module, import.meta.url).href)) as Record<string, unknown>;
  return (mod.RANKER_FEATURE_SETS as Record<string, readonly string[]> | undefined) ?? { all: [] };
}

/** Adapts whatever a neural trainer returns to `TrainedModel`, accepting the common shapes. */
function fromNeural(
  family: 'two_tower' | 'ranker',
  out: unknown,
  ds: Dataset,
  trainMs: number,
  params: unknown,
): TrainedModel {
  const o = out as Record<string, unknown>;
  const model = (o.model ?? o) as Record<string, unknown>;
  const retrieval = typeof model.scoreAll === 'function' ? (model as unknown as RetrievalModel) : undefined;
  const ranking = typeof model.predict === 'function' ? (model as unknown as RankingModel) : undefined;
  const artifactFn = (o.artifact ?? model.artifact ?? o.save ?? model.save) as (() => Artifact) | Artifact | undefined;
  const saved: Artifact | null =
    typeof artifactFn === 'function' ? (artifactFn as () => Artifact).call(model) : (artifactFn ?? null);
  const artifact = saved ? { ...saved, config: saved.config ?? params } : null;
  const warm = o.warm as Record<string, unknown> | undefined;
  const embFn = (o.videoEmbeddings ?? model.videoEmbeddings) as (() => unknown) | undefined;
  const emb = typeof embFn === 'function' ? embFn.call(model) : undefined;
  // Either { dim, vectors } or a bare row-major Float32Array beside a `dim` property.
  const videoEmbeddings =
    emb instanceof Float32Array && typeof model.dim === 'number'
      ? { dim: model.dim, vectors: emb }
      : (emb as { dim: number; vectors: Float32Array } | undefined);
  const stats = (o.stats ?? model.stats) as { examplesPerSec?: number; seconds?: number } | undefined;
  const processed =
    stats?.examplesPerSec && stats.seconds
      ? stats.examplesPerSec * stats.seconds
      : Number(o.examplesProcessed ?? ds.train.length);
  return {
    family,
    ...(retrieval ? { retrieval } : {}),
    ...(ranking ? { ranking } : {}),
    artifact,
    featureNames: (o.featureNames as string[] | undefined) ?? (ranking ? [...FEATURE_NAMES] : []),
    examplesProcessed: Math.round(processed),
    trainMs,
    ...(videoEmbeddings ? { videoEmbeddings } : {}),
    ...(warm ? { notes: { warmStart: warm } } : {}),
  };
}

/** Trains one model of the experiment. `inputs` are the point-in-time ranking inputs (built once per run). */
export async function trainModel(
  spec: ModelSpec,
  ds: Dataset,
  inputs: () => { train: RankingInput[]; validation?: RankingInput[] },
  seed: number,
  onProgress?: OnProgress,
  warm?: WarmFit,
): Promise<TrainedModel> {
  const start = performance.now();
  const done = (m: Omit<TrainedModel, 'trainMs' | 'family'>): TrainedModel => ({
    ...m,
    family: spec.type,
    trainMs: performance.now() - start,
  });
  const positives = ds.train.length;
  switch (spec.type) {
    case 'random': {
      const m = randomModel(ds.videos.length, seed);
      return done({ retrieval: m, artifact: m.artifact(), featureNames: [], examplesProcessed: 0 });
    }
    case 'most_popular': {
      const m = mostPopular(ds);
      return done({ retrieval: m, artifact: m.artifact(), featureNames: [], examplesProcessed: positives });
    }
    case 'content': {
      // Nothing to save: serving builds the same vectors from the catalogue itself.
      const m = await contentRetrieval(ds);
      return done({ retrieval: m, artifact: null, featureNames: [], examplesProcessed: 0 });
    }
    case 'decayed_popular': {
      if (spec.halfLifeHours) {
        const m = decayedPopular(ds, spec.halfLifeHours * 3_600_000);
        return done({ retrieval: m, artifact: m.artifact(), featureNames: [], examplesProcessed: positives });
      }
      onProgress?.({ phase: 'tune half-life', step: 0, total: 1 });
      const t = tunedDecayedPopular(ds);
      return done({
        retrieval: t.model,
        artifact: t.model.artifact(),
        featureNames: [],
        examplesProcessed: positives * t.grid.length,
        notes: { halfLifeHours: t.halfLifeHours, grid: t.grid },
        chosen: { halfLifeHours: t.halfLifeHours },
      });
    }
    case 'item_knn': {
      const { name: _n, type: _t, ...cfg } = spec;
      if (cfg.popularityWeight !== undefined && cfg.historyLength !== undefined) {
        const m = itemKnn(ds, ds.train, cfg);
        return done({ retrieval: m, artifact: m.artifact(), featureNames: [], examplesProcessed: positives });
      }
      onProgress?.({ phase: 'tune history and popularity blend on validation', step: 0, total: 1 });
      const cases = buildRetrievalCases(ds, 'validation');
      const t = tunedItemKnn(ds, cfg, (m) => evaluateRetrieval(m, cases, ds.videos.length).overall.recall_at_100);
      return done({
        retrieval: t.model,
        artifact: t.model.artifact(),
        featureNames: [],
        examplesProcessed: positives,
        notes: { ...t.chosen, grid: t.grid },
        chosen: t.chosen,
      });
    }
    case 'mf': {
      const { name: _n, type: _t, ...cfg } = spec;
      const m = trainMf(ds, ds.train, { ...cfg, seed }, (step, total) => onProgress?.({ phase: 'als', step, total }));
      const iterations = (m.artifact().config as { iterations: number }).iterations;
      return done({
        retrieval: m,
        artifact: m.artifact(),
        featureNames: [],
        examplesProcessed: positives * iterations,
        ...(m.videoEmbeddings ? { videoEmbeddings: m.videoEmbeddings() } : {}),
      });
    }
    case 'logreg': {
      const { name: _n, type: _t, ...cfg } = spec;
      const train = inputs().train;
      const fitLr = (c: typeof cfg) =>
        trainLogReg(
          train,
          { ...c, seed },
          (step, total, loss) =>
            onProgress?.({ phase: c.solver === 'adam' ? 'sgd' : 'l-bfgs head', step, total, loss }),
          ds.videos,
        );
      let chosen: Record<string, unknown> | undefined;
      let notes: Record<string, unknown> | undefined;
      let fitted: ReturnType<typeof trainLogReg>;
      const validation = inputs().validation;
      if (cfg.solver !== 'adam' && cfg.ids === undefined && cfg.dense === undefined && validation?.length) {
        // Which features to use is chosen on validation: mean GAUC of long view, like and click.
        const grid: { dense: boolean; ids: boolean; score: number }[] = [];
        let best: { fit: ReturnType<typeof trainLogReg>; score: number } | undefined;
        for (const f of LOGREG_FEATURE_GRID) {
          const fit = fitLr({ ...cfg, ...f });
          const r = evaluateRanking(fit.model, validation);
          const score = (['longView', 'like', 'click'] as const).reduce((a, h) => a + (r.heads[h]?.gauc ?? 0), 0) / 3;
          grid.push({ ...f, score });
          if (!best || score > best.score) {
            best = { fit, score };
            chosen = { ...f };
          }
        }
        fitted = best!.fit;
        notes = { ...chosen, grid };
      } else fitted = fitLr(cfg);
      const { model, weights } = fitted;
      const epochs = cfg.solver === 'adam' ? (cfg.epochs ?? 2) : 1;
      return done({
        ranking: model,
        artifact: {
          files: { 'weights.json': Buffer.from(JSON.stringify(weights)) },
          dims: { features: FEATURE_NAMES.length },
          config: { ...cfg, ...chosen },
        },
        featureNames: [...FEATURE_NAMES],
        examplesProcessed: train.length * epochs,
        ...(notes ? { notes } : {}),
        ...(chosen ? { chosen } : {}),
      });
    }
    case 'ranker': {
      const train = await neuralTrainer('ranker');
      const { featureSet, ...rest } = spec.params as { featureSet?: string; dropFeatures?: string[] };
      const sets = await rankerFeatureSets();
      const fitSet = async (set: string) => {
        const params = { seed, ...rest, dropFeatures: [...(rest.dropFeatures ?? []), ...(sets[set] ?? [])] };
        // The run's point-in-time inputs, so each fit does not replay the log again.
        const out = await train(ds, { ...params, inputs: inputs().train, ...(warm ?? {}) }, onProgress);
        return fromNeural('ranker', out, ds, performance.now() - start, params);
      };
      const validation = inputs().validation;
      // A warm start continues production's model, so its features are not chosen again.
      if (featureSet !== undefined || warm || !validation?.length) return fitSet(featureSet ?? 'all');
      // Which feature set to use is chosen on validation: mean GAUC of long view, like and click (as for LR).
      const grid: { featureSet: string; score: number }[] = [];
      let best: { model: TrainedModel; set: string; score: number } | undefined;
      for (const set of Object.keys(sets)) {
        const model = await fitSet(set);
        const r = evaluateRanking(model.ranking!, validation);
        const score = (['longView', 'like', 'click'] as const).reduce((a, h) => a + (r.heads[h]?.gauc ?? 0), 0) / 3;
        grid.push({ featureSet: set, score });
        if (!best || score > best.score) best = { model, set, score };
      }
      return {
        ...best!.model,
        trainMs: performance.now() - start,
        notes: { featureSet: best!.set, grid },
        chosen: { params: { ...spec.params, featureSet: best!.set } },
      };
    }
    case 'two_tower': {
      const train = await neuralTrainer('two_tower');
      const params = { seed, ...spec.params };
      const out = await train(ds, warm ? { ...params, ...warm } : params, onProgress);
      return fromNeural('two_tower', out, ds, performance.now() - start, params);
    }
  }
}
