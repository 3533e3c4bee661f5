import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import { buildRankingInputs } from '../data/features.ts';
import { DEFAULT_KUAIRAND_DIR } from '../data/kuairand.loader.ts';
import type { Dataset } from '../data/schema.ts';
import { datasetStats, formatStats } from '../data/stats.ts';
import { toMarkdown } from '../eval/report.ts';
import { type EvalSubject, evaluateAll, gateMetrics, writeReport } from '../eval/run.ts';
import type { RankingInput } from '../models/types.ts';
import { openRegistry } from '../registry/open.ts';
import type { ModelStage } from '../registry/registry.ts';
import { type Command, required, UsageError } from './args.ts';
import { loadExperimentData } from './dataset.ts';
import { type Experiment, loadExperiment, modelName } from './experiment.ts';
import { loadRegisteredModel } from './load-model.ts';
import { progressBar } from './progress.ts';
import { type TrainedModel, trainModel } from './trainers.ts';

const DATA_DIR_HELP = `  --data-dir <dir>    KuaiRand folder (default: the experiment's, else ${DEFAULT_KUAIRAND_DIR})`;

function experimentWithSeed(opts: Record<string, string | boolean | undefined>): Experiment {
  const exp = loadExperiment(required(opts, 'config'));
  return opts.seed !== undefined ? { ...exp, seed: Number(opts.seed) } : exp;
}

async function loadData(exp: Experiment, opts: Record<string, string | boolean | undefined>): Promise<Dataset> {
  const bar = progressBar('load data');
  const ds = await loadExperimentData(exp.data, opts['data-dir'] as string | undefined);
  bar.done(`${ds.name}: ${ds.train.length}/${ds.validation.length}/${ds.test.length} examples`);
  return ds;
}

/** Ranking inputs are computed once per run and only when some model needs them. */
function lazyInputs(ds: Dataset): () => { train: RankingInput[]; validation: RankingInput[]; test: RankingInput[] } {
  let cached: ReturnType<typeof buildRankingInputs> | undefined;
  return () => {
    if (!cached) {
      const bar = progressBar('point-in-time features');
      cached = buildRankingInputs(ds);
      bar.done();
    }
    return cached;
  };
}

/** `foryou-train data`. */
export const dataCommand: Command = {
  summary: 'print dataset statistics and the time split',
  usage: 'foryou-train data (--config experiments/x.yaml | --source kuairand|synthetic) [--json]',
  help: `  --config <file>     take the data section of an experiment
  --source <name>     kuairand or synthetic (when no --config)
${DATA_DIR_HELP}
  --json              print JSON instead of markdown`,
  options: {
    config: { type: 'string' },
    source: { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(opts, _pos, io) {
    let data: Experiment['data'];
    if (typeof opts.config === 'string') data = loadExperiment(opts.config).data;
    else if (opts.source === 'synthetic')
      data = {
        source: 'synthetic',
        users: 2000,
        videos: 1000,
        examples: 60_000,
        clusters: 8,
        seed: Number(opts.seed ?? 42),
      };
    else if (opts.source === 'kuairand' || opts.source === undefined)
      data = { source: 'kuairand', dir: DEFAULT_KUAIRAND_DIR };
    else throw new UsageError(`--source must be kuairand or synthetic, got "${opts.source}"`);
    const ds = await loadExperimentData(data, opts['data-dir'] as string | undefined);
    const stats = datasetStats(ds);
    io.out(opts.json ? JSON.stringify(stats, null, 2) : formatStats(stats));
    return 0;
  },
};

function versionFor(ds: Dataset, at = new Date()): string {
  return `${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${ds.dataHash.slice(0, 8)}`;
}

/** `foryou-train train`. */
export const trainCommand: Command = {
  summary: 'train the models of an experiment, evaluate them and register them as candidates',
  usage: 'foryou-train train --config experiments/<x>.yaml [--out dir] [--no-register]',
  help: `  --config <file>     experiment file (required)
${DATA_DIR_HELP}
  --out <dir>         where reports go (default ./data/runs/<experiment>)
  --no-register       do not upload artifacts or register candidates`,
  options: {
    config: { type: 'string' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    'no-register': { type: 'boolean', default: false },
  },
  async run(opts, _pos, io) {
    const exp = experimentWithSeed(opts);
    const ds = await loadData(exp, opts);
    const inputs = lazyInputs(ds);
    const trained: { name: string; model: TrainedModel }[] = [];
    for (const spec of exp.models) {
      const name = modelName(spec);
      const bar = progressBar(`train ${name}`);
      const model = await trainModel(spec, ds, inputs, exp.seed, (p) =>
        bar.update(p.step, p.total, `${p.phase}${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''}`),
      );
      bar.done(`${(model.trainMs / 1000).toFixed(1)}s`);
      trained.push({ name, model });
    }
    const evalBar = progressBar(`evaluate on ${exp.eval.period}`);
    const report = evaluateAll(
      ds,
      exp.eval.period,
      trained.map(({ name, model }) => ({
        name,
        ...(model.retrieval ? { retrieval: model.retrieval } : {}),
        ...(model.ranking ? { ranking: model.ranking } : {}),
      })),
      () => inputs()[exp.eval.period],
      (m, d, t) => evalBar.update(d, t, m),
    );
    evalBar.done();
    const outDir = (opts.out as string | undefined) ?? join('data', 'runs', exp.name);
    const files = writeReport(outDir, report);
    io.out(toMarkdown(report));
    io.out(`\nreports: ${files.join(', ')}`);
    if (opts['no-register']) return 0;
    const { registry, close } = await openRegistry({
      metadataUrl: opts.metadata as string,
      objectsUrl: opts.objects as string,
    });
    try {
      const version = versionFor(ds);
      for (const { name, model } of trained) {
        if (!model.artifact) {
          io.out(`not registered: ${name} (${model.family} has no artifact writer)`);
          continue;
        }
        const files = { ...model.artifact.files };
        if (model.videoEmbeddings) {
          const v = model.videoEmbeddings.vectors;
          files['video_embeddings.f32'] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
          files['video_ids.json'] = Buffer.from(JSON.stringify(ds.videos.map((x) => x.externalId)));
        }
        const rec = await registry.register({
          metadata: {
            name,
            version,
            family: model.family,
            featureNames: model.featureNames,
            dims: {
              ...model.artifact.dims,
              ...(model.videoEmbeddings ? { embeddingDim: model.videoEmbeddings.dim } : {}),
            },
            dataHash: ds.dataHash,
            datasetName: ds.name,
            experiment: exp.name,
            seed: exp.seed,
            config: model.artifact.config,
            trainMs: Math.round(model.trainMs),
            ...(model.notes ? { notes: model.notes } : {}),
          },
          files,
          metrics: gateMetrics(report, name),
        });
        io.out(`registered ${rec.name}@${rec.version} (candidate)`);
      }
    } finally {
      await close();
    }
    return 0;
  },
};

/** `foryou-train eval`. */
export const evalCommand: Command = {
  summary: "evaluate an experiment's registered models (candidate or production)",
  usage:
    'foryou-train eval --config experiments/<x>.yaml [--stage candidate|production] [--period test|validation] [--out dir]',
  help: `  --config <file>     experiment whose data and model names to use (required)
  --stage <stage>     which registered version of each model (default candidate)
  --period <p>        validation or test (default: the experiment's)
${DATA_DIR_HELP}
  --out <dir>         where reports go (default ./data/runs/<experiment>-eval)`,
  options: {
    config: { type: 'string' },
    stage: { type: 'string', default: 'candidate' },
    period: { type: 'string' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
  },
  async run(opts, _pos, io) {
    const exp = experimentWithSeed(opts);
    const stage = opts.stage as ModelStage;
    if (!['candidate', 'production', 'archived'].includes(stage))
      throw new UsageError(`--stage must be candidate, production or archived`);
    const period = (opts.period as 'validation' | 'test' | undefined) ?? exp.eval.period;
    if (period !== 'validation' && period !== 'test') throw new UsageError('--period must be validation or test');
    const ds = await loadData(exp, opts);
    const { registry, close } = await openRegistry({
      metadataUrl: opts.metadata as string,
      objectsUrl: opts.objects as string,
    });
    const subjects: EvalSubject[] = [];
    try {
      for (const spec of exp.models) {
        const name = modelName(spec);
        const loaded = await registry.loadByStage(
          name,
          stage,
          spec.type === 'logreg' ? { featureNames: FEATURE_NAMES } : {},
        );
        if (loaded.metadata.dataHash !== ds.dataHash)
          io.err.write(`warning: ${name} was trained on other data (${loaded.metadata.dataHash.slice(0, 12)})\n`);
        const keys = await registry.objects.list(loaded.record.artifactPrefix);
        const files: Record<string, Buffer> = {};
        for (const k of keys) files[k.slice(loaded.record.artifactPrefix.length)] = await registry.objects.getBuffer(k);
        const m = await loadRegisteredModel(
          loaded.metadata.family,
          files,
          loaded.metadata.dims,
          loaded.metadata.config,
        );
        subjects.push({ name, ...m });
      }
    } finally {
      await close();
    }
    const inputs = lazyInputs(ds);
    const report = evaluateAll(ds, period, subjects, () => inputs()[period]);
    const outDir = (opts.out as string | undefined) ?? join('data', 'runs', `${exp.name}-eval`);
    mkdirSync(outDir, { recursive: true });
    const files = writeReport(outDir, report);
    writeFileSync(join(outDir, 'stage.txt'), `${stage}\n`);
    io.out(toMarkdown(report));
    io.out(`\nreports: ${files.join(', ')}`);
    return 0;
  },
};
