/**
 * Training benchmark: trains every model family on one dataset, then evaluates them all on the test
 * days. Records per model wall time, training examples/s and peak RSS, and the evaluation metrics,
 * into bench/results/train.json.
 *
 *   node bench/train.bench.ts            KuaiRand-Pure (../shared/data/kuairand-pure, or --data-dir)
 *   node bench/train.bench.ts --quick    synthetic data, well under a minute
 */
import { parseArgs } from 'node:util';
import type { ModelSpec } from '../training/cli/experiment.ts';
import { progressBar } from '../training/cli/progress.ts';
import { type TrainedModel, trainModel } from '../training/cli/trainers.ts';
import { buildRankingInputs } from '../training/data/features.ts';
import { DEFAULT_KUAIRAND_DIR, loadKuaiRand } from '../training/data/kuairand.loader.ts';
import type { Dataset } from '../training/data/schema.ts';
import { generateSynthetic } from '../training/data/synthetic.ts';
import { toMarkdown } from '../training/eval/report.ts';
import { evaluateAll, gateMetrics } from '../training/eval/run.ts';
import { writeResults } from './lib/results.ts';
import { startRssSampler } from './lib/rss.ts';
import { formatTable } from './lib/table.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: DEFAULT_KUAIRAND_DIR },
    out: { type: 'string' },
    seed: { type: 'string', default: '42' },
    only: { type: 'string' },
  },
});
const quick = args.quick === true;
const seed = Number(args.seed);

/** Model settings per mode; the neural ones get smaller budgets in --quick. */
function specs(): ModelSpec[] {
  const all: ModelSpec[] = [
    { type: 'random' },
    { type: 'most_popular' },
    { type: 'decayed_popular' },
    { type: 'item_knn' },
    quick ? { type: 'mf', factors: 16, iterations: 5 } : { type: 'mf', factors: 32, iterations: 8 },
    { type: 'logreg', epochs: quick ? 1 : 2 },
    { type: 'two_tower', params: quick ? { epochs: 1 } : {} },
    { type: 'ranker', params: quick ? { epochs: 1 } : {} },
  ];
  const only = args.only?.split(',');
  return only ? all.filter((s) => only.includes(s.type)) : all;
}

const wall = performance.now();
const loadBar = progressBar('load data');
const ds: Dataset = quick ? generateSynthetic({ seed }) : await loadKuaiRand({ dir: args['data-dir'] });
loadBar.done(ds.name);
let inputs: ReturnType<typeof buildRankingInputs> | undefined;
const getInputs = () => {
  inputs ??= buildRankingInputs(ds);
  return inputs;
};

interface TrainingRow {
  wall_ms: number;
  examples_per_s: number | null;
  peak_rss_mb: number;
  error?: string;
}
const training: Record<string, TrainingRow> = {};
const trained: { name: string; model: TrainedModel }[] = [];
for (const spec of specs()) {
  const bar = progressBar(`train ${spec.type}`);
  const rss = startRssSampler();
  const t0 = performance.now();
  try {
    const model = await trainModel(spec, ds, getInputs, seed, (p) => bar.update(p.step, p.total, p.phase));
    const ms = performance.now() - t0;
    training[spec.type] = {
      wall_ms: Math.round(ms),
      examples_per_s: model.examplesProcessed > 0 ? Math.round(model.examplesProcessed / (ms / 1000)) : null,
      peak_rss_mb: Math.round(rss.stop().peakMb),
    };
    trained.push({ name: spec.type, model });
    bar.done();
  } catch (err) {
    // A family that cannot train here (e.g. its trainer is not in this checkout) is recorded, not fatal.
    training[spec.type] = {
      wall_ms: Math.round(performance.now() - t0),
      examples_per_s: null,
      peak_rss_mb: Math.round(rss.stop().peakMb),
      error: (err as Error).message,
    };
    bar.done(`FAILED: ${(err as Error).message}`);
  }
}

const evalBar = progressBar('evaluate');
const report = evaluateAll(
  ds,
  'test',
  trained.map(({ name, model }) => ({
    name,
    ...(model.retrieval ? { retrieval: model.retrieval } : {}),
    ...(model.ranking ? { ranking: model.ranking } : {}),
  })),
  () => getInputs().test,
  (m, d, t) => evalBar.update(d, t, m),
);
evalBar.done();

const retrieval: Record<string, Record<string, number>> = {};
for (const r of report.retrieval) {
  retrieval[r.model] = {
    recall_at_50: r.overall.recall_at_50,
    recall_at_100: r.overall.recall_at_100,
    recall_at_200: r.overall.recall_at_200,
    ndcg_at_10: r.overall.ndcg_at_10,
    ndcg_at_50: r.overall.ndcg_at_50,
    hit_rate_at_50: r.overall.hit_rate_at_50,
    coverage_at_100: r.coverage_at_100,
    cold_users_recall_at_100: r.coldUsers.recall_at_100,
    cold_videos_recall_at_100: r.coldVideos.recall_at_100,
  };
}
const ranking: Record<string, Record<string, number>> = {};
for (const r of report.ranking) {
  const g = gateMetrics(report, r.model);
  ranking[r.model] = {
    ...g,
    auc_long_view: r.heads.longView?.auc ?? Number.NaN,
    auc_like: r.heads.like?.auc ?? Number.NaN,
    calibration_long_view: r.heads.longView?.calibration ?? Number.NaN,
  };
}

const path = writeResults(
  'train',
  {
    mode: quick ? 'quick' : 'full',
    dataset: ds.name,
    dataHash: ds.dataHash,
    wall_ms: Math.round(performance.now() - wall),
    training,
    retrieval,
    ranking,
  },
  args.out,
);

console.log(toMarkdown(report).split('\n### Reliability')[0]);
console.log(
  formatTable(
    [
      'model',
      'train s',
      'examples/s',
      'peak RSS MB',
      'recall@100',
      'NDCG@10',
      'NDCG@50',
      'GAUC long view',
      'GAUC like',
      'note',
    ],
    Object.entries(training).map(([m, t]) => [
      m,
      t.wall_ms / 1000,
      t.examples_per_s,
      t.peak_rss_mb,
      retrieval[m]?.recall_at_100,
      retrieval[m]?.ndcg_at_10,
      retrieval[m]?.ndcg_at_50,
      ranking[m]?.gauc_long_view,
      ranking[m]?.gauc_like,
      t.error ? `failed: ${t.error.slice(0, 60)}` : '',
    ]),
  ),
);
console.log(`\nwrote ${path} in ${((performance.now() - wall) / 1000).toFixed(1)}s`);
