import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progressBar } from '../../core/cli/progress.ts';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import { buildRankingInputs } from '../data/features.ts';
import { DEFAULT_KUAIRAND_DIR } from '../data/kuairand.loader.ts';
import type { Dataset } from '../data/schema.ts';
import { refitDataset } from '../data/split.ts';
import { datasetStats, formatStats } from '../data/stats.ts';
import { toMarkdown } from '../eval/report.ts';
import { type EvalSubject, evaluateAll, gateMetrics, writeReport } from '../eval/run.ts';
import type { RankingInput } from '../models/types.ts';
import { openRegistry } from '../registry/open.ts';
import type { ModelStage } from '../registry/registry.ts';
import { type Command, required, UsageError } from './args.ts';
import { loadExperimentData } from './dataset.ts';
import { type Experiment, loadExperiment, type ModelSpec, modelName } from './experiment.ts';
import { loadRegisteredModel } from './load-model.ts';
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

type Inputs = () => { train: RankingInput[]; validation: RankingInput[]; test: RankingInput[] };

/** Ranking inputs are computed once per run and only when some model needs them. */
function lazyInputs(ds: Dataset): Inputs {
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

type Trained = { name: string; spec: ModelSpec; model: TrainedModel };

/** Fits every model of the experiment on `ds.train` with the given specs. */
async function fitAll(specs: readonly ModelSpec[], ds: Dataset, inputs: Inputs, seed: number): Promise<Trained[]> {
  const trained: Trained[] = [];
  for (const spec of specs) {
    const name = modelName(spec);
    const bar = progressBar(`train ${name} on ${ds.name}`);
    const model = await trainModel(spec, ds, inputs, seed, (p) =>
      bar.update(p.step, p.total, `${p.phase}${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''}`),
    );
    bar.done(`${(model.trainMs / 1000).toFixed(1)}s`);
    trained.push({ name, spec, model });
  }
  return trained;
}

function evaluateTrained(ds: Dataset, period: 'validation' | 'test', trained: readonly Trained[], inputs: Inputs) {
  const bar = progressBar(`evaluate on ${period}`);
  const report = evaluateAll(
    ds,
    period,
    trained.map(({ name, model }) => ({
      name,
      ...(model.retrieval ? { retrieval: model.retrieval } : {}),
      ...(model.ranking ? { ranking: model.ranking } : {}),
    })),
    () => inputs()[period],
    (m, d, t) => bar.update(d, t, m),
  );
  bar.done();
  return report;
}

/** Registers each model with an artifact as a candidate; `gate` are its validation metrics. */
async function registerAll(
  opts: Record<string, string | boolean | undefined>,
  io: Parameters<Command['run']>[2],
  exp: Experiment,
  ds: Dataset,
  trained: readonly Trained[],
  gate: (name: string) => Record<string, number>,
  extraNotes: (name: string) => Record<string, unknown> = () => ({}),
): Promise<void> {
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
      const notes = { ...(model.notes ?? {}), metrics_period: 'validation', ...extraNotes(name) };
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
          notes,
        },
        files,
        metrics: gate(name),
      });
      io.out(`registered ${rec.name}@${rec.version} (candidate, gate metrics from validation)`);
    }
  } finally {
    await close();
  }
}

/** The options `train` and `release` share. */
const FIT_OPTIONS: Command['options'] = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  'no-register': { type: 'boolean', default: false },
};

/** `foryou-train train`. */
export const trainCommand: Command = {
  summary: 'train the models of an experiment on train, evaluate on validation, register as candidates',
  usage: 'foryou-train train --config experiments/<x>.yaml [--out dir] [--no-register]',
  help: `  --config <file>     experiment file (required)
${DATA_DIR_HELP}
  --out <dir>         where reports go (default ./data/runs/<experiment>)
  --no-register       do not upload artifacts or register candidates

  Selection happens on validation only: models are fit on the train days and judged on the validation
  days, and those are the metrics the promotion gate compares. Test figures come from \`release\`.`,
  options: FIT_OPTIONS,
  async run(opts, _pos, io) {
    const exp = experimentWithSeed(opts);
    const ds = await loadData(exp, opts);
    const inputs = lazyInputs(ds);
    const trained = await fitAll(exp.models, ds, inputs, exp.seed);
    const report = evaluateTrained(ds, 'validation', trained, inputs);
    const outDir = (opts.out as string | undefined) ?? join('data', 'runs', exp.name);
    const files = writeReport(outDir, report);
    io.out(toMarkdown(report));
    io.out(`\nreports: ${files.join(', ')}`);
    if (opts['no-register']) return 0;
    await registerAll(opts, io, exp, ds, trained, (name) => gateMetrics(report, name));
    return 0;
  },
};

/** The spec a refit uses: what the validation fit chose (e.g. a tuned half-life) made explicit. */
export function chosenSpec(spec: ModelSpec, fitted: TrainedModel): ModelSpec {
  return { ...spec, ...(fitted.chosen ?? {}) } as ModelSpec;
}

/** `foryou-train release`. */
export const releaseCommand: Command = {
  summary: 'select on validation, refit on train+val, report test once, register the refit models',
  usage: 'foryou-train release --config experiments/<x>.yaml [--out dir] [--no-register]',
  help: `  --config <file>     experiment file (required)
${DATA_DIR_HELP}
  --out <dir>         where reports go (default ./data/runs/<experiment>-release)
  --no-register       do not upload artifacts or register candidates

  1. fit every model on train and evaluate on validation (the gate metrics, as \`train\`);
  2. refit each on train+validation with what step 1 chose (tuned settings made explicit);
  3. evaluate the refit models once on the test days (report-test.md; recorded in the notes as
     test_metrics, never used by the gate); register the refit models as candidates.`,
  options: FIT_OPTIONS,
  async run(opts, _pos, io) {
    const exp = experimentWithSeed(opts);
    const ds = await loadData(exp, opts);
    const inputs = lazyInputs(ds);
    const selected = await fitAll(exp.models, ds, inputs, exp.seed);
    const valReport = evaluateTrained(ds, 'validation', selected, inputs);
    const refitDs = refitDataset(ds);
    const refitInputs = lazyInputs(refitDs);
    const refit = await fitAll(
      selected.map((t) => ({ ...chosenSpec(t.spec, t.model), name: t.name })),
      refitDs,
      refitInputs,
      exp.seed,
    );
    const testReport = evaluateTrained(refitDs, 'test', refit, refitInputs);
    const outDir = (opts.out as string | undefined) ?? join('data', 'runs', `${exp.name}-release`);
    const valFiles = writeReport(join(outDir, 'validation'), valReport);
    const testFiles = writeReport(join(outDir, 'test'), testReport);
    io.out(toMarkdown(valReport));
    io.out(toMarkdown(testReport));
    io.out(`\nreports: ${[...valFiles, ...testFiles].join(', ')}`);
    if (opts['no-register']) return 0;
    await registerAll(
      opts,
      io,
      exp,
      refitDs,
      refit,
      (name) => gateMetrics(valReport, name),
      (name) => ({ refit: 'train+validation', test_metrics: gateMetrics(testReport, name) }),
    );
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
