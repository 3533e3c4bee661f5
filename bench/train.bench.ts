/**
 * Training benchmark under the evaluation protocol (training/eval/README.md):
 *   1. selection: every model family fit on train (first seed) and judged on the validation days;
 *      tuned settings (half-life, item-kNN blend) and the best baseline are chosen here, on validation only;
 *   2. release: each model refit on train+validation with those settings, for every seed (models with
 *      no randomness once), and evaluated on the test days.
 * Test figures are means over seeds with a 95 % t interval over seeds (deterministic models: a
 * bootstrap interval over users), and the two-tower's difference to the best baseline (the baseline
 * best on validation) has a paired bootstrap interval over users. Writes bench/results/train.json.
 *
 *   node bench/train.bench.ts            KuaiRand-Pure (../shared/data/kuairand-pure, or --data-dir)
 *   node bench/train.bench.ts --quick    synthetic data, about a minute
 *   --seeds 1,2,3   --only two_tower,mf   --tt-epochs 2
 *   --workers 2   fits run at once (worker threads; default 2, the cores of the development machines)
 *   --merge   add to the last run's models instead of replacing them (so the families can be run one
 *             at a time on a shared machine; the per-user results are kept in data/bench/train-runs.json)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { progressBar } from '../core/cli/progress.ts';
import type { ModelSpec } from '../training/cli/experiment.ts';
import { DEFAULT_KUAIRAND_DIR } from '../training/data/kuairand.loader.ts';
import type { Dataset } from '../training/data/schema.ts';
import type { BinaryHeadMetrics, RankingResult } from '../training/eval/ranking.ts';
import type { RetrievalResult } from '../training/eval/retrieval.ts';
import {
  averageRuns,
  bootstrapMean,
  type Estimate,
  formatEstimate,
  pairedBootstrap,
  seedEstimate,
} from '../training/eval/stats.ts';
import { DRIFTING_USER_FEATURES } from '../training/models/ranker/train.ts';
import { writeResults } from './lib/results.ts';
import { startRssSampler } from './lib/rss.ts';
import { formatTable } from './lib/table.ts';
import { loadBenchData, type WorkerSetup } from './lib/train-fits.ts';
import { runPool } from './lib/train-pool.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: DEFAULT_KUAIRAND_DIR },
    out: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    only: { type: 'string' },
    'tt-epochs': { type: 'string' },
    merge: { type: 'boolean', default: false },
    workers: { type: 'string', default: '2' },
  },
});
const quick = args.quick === true;
const seeds = args.seeds.split(',').map(Number);
/** Families whose fit depends on the seed; the others are fit once and count for every seed. */
const SEEDED = new Set<ModelSpec['type']>(['random', 'mf', 'two_tower', 'ranker']);
/** Retrieval baselines the two-tower is compared with (random is a floor, not a baseline). */
const BASELINES = new Set(['most_popular', 'decayed_popular', 'item_knn', 'mf']);

function specs(): ModelSpec[] {
  const ttEpochs = args['tt-epochs'] ? { epochs: Number(args['tt-epochs']) } : quick ? { epochs: 1 } : {};
  const all: ModelSpec[] = [
    { type: 'random' },
    { type: 'most_popular' },
    { type: 'decayed_popular' },
    { type: 'item_knn' },
    quick ? { type: 'mf', factors: 16, iterations: 5 } : { type: 'mf', factors: 32, iterations: 8 },
    { type: 'logreg' },
    { type: 'two_tower', params: ttEpochs },
    { type: 'ranker', params: { dropFeatures: [...DRIFTING_USER_FEATURES], ...(quick ? { epochs: 1 } : {}) } },
  ];
  const only = args.only?.split(',');
  return only ? all.filter((s) => only.includes(s.type)) : all;
}

const wall = performance.now();
const rssAll = startRssSampler();
const setup: WorkerSetup = { quick, dataDir: args['data-dir'] };
const loadBar = progressBar('load data');
// The main thread keeps only what the summary needs: the test cases' cold flags and the data's identity.
const main = await loadBenchData(setup);
const ds: Dataset = main.ds;
const refit = main.refit;
loadBar.done(`${ds.name}: ${ds.train.length}/${ds.validation.length}/${ds.test.length}`);

interface TrainingRow {
  wall_ms: number[];
  examples_per_s: number | null;
  peak_rss_mb: number;
  error?: string;
}
const training: Record<string, TrainingRow> = {};
const selection: Record<
  string,
  { spec: ModelSpec; notes?: Record<string, unknown>; retrieval?: RetrievalResult; ranking?: RankingResult }
> = {};
const runs: Record<string, { seed: number; retrieval?: RetrievalResult; ranking?: RankingResult }[]> = {};

// 1. Selection on validation (fit on train, first seed), then 2. release: each model refit on train+val
// with the chosen settings, every seed (models with no randomness once), evaluated once on test. Fits
// are independent once their family's selection is done, so they run on a pool of worker threads
// (tfjs-wasm and the baselines are single-threaded), longest first; results are kept in protocol order.
const order = specs().map((s) => s.type);
const outcomes = await runPool(specs(), seeds, SEEDED, Math.max(1, Number(args.workers)), setup, ds.dataHash, (t, o) =>
  console.error(
    `${t.refit ? 'refit' : 'select'} ${t.spec.type} seed ${t.seed}: ${o.error ? `FAILED ${o.error}` : `${(o.fitMs / 1000).toFixed(1)}s`}`,
  ),
);
for (const { task, outcome: o } of outcomes.sort(
  (x, y) =>
    Number(x.task.refit) - Number(y.task.refit) ||
    order.indexOf(x.task.spec.type) - order.indexOf(y.task.spec.type) ||
    x.task.seed - y.task.seed,
)) {
  const name = task.spec.type;
  training[name] ??= { wall_ms: [], examples_per_s: null, peak_rss_mb: 0 };
  const row = training[name];
  row.peak_rss_mb = Math.max(row.peak_rss_mb, Math.round(o.peakRssMb));
  if (o.error) {
    row.error = o.error;
    continue;
  }
  row.wall_ms.push(Math.round(o.fitMs));
  row.examples_per_s = o.examplesProcessed > 0 ? Math.round(o.examplesProcessed / (o.fitMs / 1000)) : null;
  if (!task.refit) {
    selection[name] = {
      spec: o.chosen!,
      ...(o.notes ? { notes: o.notes } : {}),
      ...(o.retrieval ? { retrieval: o.retrieval } : {}),
      ...(o.ranking ? { ranking: o.ranking } : {}),
    };
  } else {
    runs[name] ??= [];
    runs[name].push({
      seed: task.seed,
      ...(o.retrieval ? { retrieval: o.retrieval } : {}),
      ...(o.ranking ? { ranking: o.ranking } : {}),
    });
  }
}

// Per-user results of every fit, so a --merge run can compare against families fit in another run.
const RUNS_FILE = 'data/bench/train-runs.json';
interface Stored {
  dataHash: string;
  seeds: number[];
  training: typeof training;
  selection: typeof selection;
  runs: typeof runs;
}
if (args.merge && existsSync(RUNS_FILE)) {
  const prev = JSON.parse(readFileSync(RUNS_FILE, 'utf8')) as Stored;
  if (prev.dataHash !== ds.dataHash || prev.seeds.join() !== seeds.join())
    throw new Error(`--merge: ${RUNS_FILE} holds another dataset or other seeds; run without --merge first`);
  for (const [k, v] of Object.entries(prev.selection)) selection[k] ??= v;
  for (const [k, v] of Object.entries(prev.runs)) runs[k] ??= v;
  for (const [k, v] of Object.entries(prev.training)) training[k] ??= v;
}
mkdirSync(dirname(RUNS_FILE), { recursive: true });
writeFileSync(RUNS_FILE, JSON.stringify({ dataHash: ds.dataHash, seeds, training, selection, runs } satisfies Stored));

const bestBaseline = Object.entries(selection)
  .filter(([m, s]) => BASELINES.has(m) && s.retrieval)
  .sort((a, b) => b[1].retrieval!.overall.recall_at_100 - a[1].retrieval!.overall.recall_at_100)[0]?.[0];

const r5 = (v: number) => Number(v.toFixed(5));
const ci = (e: Estimate): [number, number] => [r5(e.ci95[0]), r5(e.ci95[1])];

/** Mean over runs with the seed interval, or a users bootstrap when the model has no randomness. */
function summarise(
  values: number[],
  perUnit: () => { values: ArrayLike<number>; weights?: ArrayLike<number> },
): Estimate {
  if (values.length >= 2) return seedEstimate(values);
  const u = perUnit();
  return { ...bootstrapMean(u.values, u.weights ? { weights: u.weights } : {}), mean: values[0]! };
}

const retrieval: Record<string, Record<string, unknown>> = {};
// Which test queries are cold users, in the order of every model's per-query arrays.
const coldCase = main.casesOf(refit, 'test').map((c) => c.coldUser);
const RET_METRICS = ['recall_at_50', 'recall_at_100', 'recall_at_200', 'ndcg_at_10', 'ndcg_at_50'] as const;
const perUserMean = (name: string, metric: 'recall_at_100' | 'ndcg_at_10') =>
  averageRuns(runs[name]!.map((r) => r.retrieval!.perQuery[metric]));
for (const [name, rs] of Object.entries(runs)) {
  const ret = rs.filter((r) => r.retrieval).map((r) => r.retrieval!);
  if (ret.length === 0) continue;
  const out: Record<string, unknown> = {};
  for (const m of RET_METRICS) {
    const e = summarise(
      ret.map((r) => r.overall[m]),
      () => ({ values: ret[0]!.perQuery[m === 'ndcg_at_10' ? 'ndcg_at_10' : 'recall_at_100'] }),
    );
    out[m] = r5(e.mean);
    // Only recall@100 and NDCG@10 have per-user arrays; the other deterministic intervals are left out
    // (a bootstrap's n counts users, so it cannot tell a seeded model from a deterministic one).
    if (ret.length >= 2 || m === 'recall_at_100' || m === 'ndcg_at_10') out[`${m}_ci95`] = ci(e);
  }
  const cold = summarise(
    ret.map((r) => r.coldUsers.recall_at_100),
    () => ({ values: ret[0]!.perQuery.recall_at_100.filter((_, i) => coldCase[i]) }),
  );
  out.cold_users_recall_at_100 = r5(cold.mean);
  out.cold_users_recall_at_100_ci95 = ci(cold);
  out.cold_users = ret[0]!.coldUsers.queries;
  out.history_masked_recall_at_100 = r5(seedEstimate(ret.map((r) => r.historyMasked.recall_at_100)).mean);
  out.coverage_at_100 = r5(seedEstimate(ret.map((r) => r.coverage_at_100)).mean);
  out.validation_recall_at_100 = r5(selection[name]!.retrieval!.overall.recall_at_100);
  out.seeds = rs.map((r) => r.seed);
  out.ci_over = ret.length >= 2 ? 'seeds' : 'users (deterministic model)';
  retrieval[name] = out;
}
if (bestBaseline && runs[bestBaseline]) {
  for (const name of Object.keys(runs).filter((m) => !BASELINES.has(m) && m !== 'random' && retrieval[m])) {
    const d100 = pairedBootstrap(perUserMean(name, 'recall_at_100'), perUserMean(bestBaseline, 'recall_at_100'));
    const d10 = pairedBootstrap(perUserMean(name, 'ndcg_at_10'), perUserMean(bestBaseline, 'ndcg_at_10'));
    retrieval[name]!.vs_best_baseline = {
      baseline: bestBaseline,
      chosen_on: 'validation recall@100',
      recall_at_100: r5(d100.mean),
      recall_at_100_ci95: ci(d100),
      ndcg_at_10: r5(d10.mean),
      ndcg_at_10_ci95: ci(d10),
      users: d100.n,
    };
  }
}

const HEADS = { gauc_long_view: 'longView', gauc_like: 'like', gauc_click: 'click' } as const;
const ranking: Record<string, Record<string, unknown>> = {};
const headOf = (r: RankingResult, h: keyof typeof HEADS): BinaryHeadMetrics | undefined => r.heads[HEADS[h]];
for (const [name, rs] of Object.entries(runs)) {
  const rk = rs.filter((r) => r.ranking).map((r) => r.ranking!);
  if (rk.length === 0) continue;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(HEADS) as (keyof typeof HEADS)[]) {
    const heads = rk.map((r) => headOf(r, key)).filter((h) => h !== undefined);
    if (heads.length === 0) continue;
    const e = summarise(
      heads.map((h) => h.gauc),
      () => ({ values: heads[0]!.perUser.auc, weights: heads[0]!.perUser.weight }),
    );
    out[key] = r5(e.mean);
    out[`${key}_ci95`] = ci(e);
    const v = selection[name]?.ranking && headOf(selection[name].ranking, key);
    if (v) out[`validation_${key}`] = r5(v.gauc);
  }
  const lv = rk.map((r) => r.heads.longView).filter((h) => h !== undefined);
  if (lv.length > 0) {
    out.auc_long_view = r5(seedEstimate(lv.map((h) => h.auc)).mean);
    out.logloss_long_view = r5(seedEstimate(lv.map((h) => h.logLoss)).mean);
    out.calibration_long_view = r5(seedEstimate(lv.map((h) => h.calibration)).mean);
  }
  out.seeds = rs.map((r) => r.seed);
  out.ci_over = rk.length >= 2 ? 'seeds' : 'users (deterministic model)';
  // What was chosen on validation, and the validation score of each choice (mean GAUC of the three heads).
  if (selection[name]?.notes) out.validation_choice = selection[name].notes;
  ranking[name] = out;
}
// The ranker against the converged logistic regression: paired over users, per-user AUC seed-averaged.
if (runs.ranker && runs.logreg && ranking.ranker) {
  const vs: Record<string, unknown> = { baseline: 'logreg' };
  for (const key of Object.keys(HEADS) as (keyof typeof HEADS)[]) {
    const a = runs.ranker.map((r) => headOf(r.ranking!, key)!.perUser);
    const b = headOf(runs.logreg[0]!.ranking!, key)!.perUser;
    const d = pairedBootstrap(averageRuns(a.map((x) => x.auc)), b.auc, { weights: b.weight });
    vs[key] = r5(d.mean);
    vs[`${key}_ci95`] = ci(d);
  }
  ranking.ranker.vs_logreg = vs;
}

const peak = Math.round(rssAll.stop().peakMb);
const path = writeResults(
  'train',
  {
    mode: quick ? 'quick' : 'full',
    dataset: ds.name,
    dataHash: ds.dataHash,
    /** This invocation; with --merge the families came from several, see `fit_ms_total` and `training`. */
    wall_ms: Math.round(performance.now() - wall),
    merged: args.merge,
    fit_ms_total: Object.values(training).reduce((a, t) => a + t.wall_ms.reduce((x, y) => x + y, 0), 0),
    peak_rss_mb: Math.max(peak, ...Object.values(training).map((t) => t.peak_rss_mb)),
    protocol: {
      selection: 'validation',
      refit: 'train+val',
      exclusion:
        'train+val impressions of each user (what the serving seen-filter removes); history is model input only',
      secondary: 'history_masked_recall_at_100: the old protocol that also masks pre-period history (04-08..04-24)',
      seeds,
      intervals:
        '95 %: t over seeds for seeded models; percentile bootstrap over users (1,000 resamples) for deterministic ones and for paired differences',
      best_baseline: bestBaseline ?? null,
    },
    // wall_ms: mean time of one fit; fits_ms: every fit (selection on train, then the refits on train+val).
    training: Object.fromEntries(
      Object.entries(training).map(([m, t]) => [
        m,
        {
          ...t,
          wall_ms: Math.round(t.wall_ms.reduce((a, b) => a + b, 0) / Math.max(1, t.wall_ms.length)),
          fits_ms: t.wall_ms,
        },
      ]),
    ),
    retrieval,
    ranking,
  },
  args.out,
);

const fmt = (m: Record<string, unknown> | undefined, k: string) =>
  m && typeof m[k] === 'number'
    ? formatEstimate({ mean: m[k] as number, ci95: (m[`${k}_ci95`] as [number, number]) ?? [m[k], m[k]], n: 0 }, 4)
    : '';
console.log(
  formatTable(
    [
      'model',
      'fits s',
      'val R@100',
      'test R@100 [95% CI]',
      'NDCG@10',
      'hist-masked R@100',
      'GAUC long view',
      'GAUC like',
      'GAUC click',
    ],
    Object.keys(training).map((m) => [
      m,
      training[m]!.wall_ms.map((x) => (x / 1000).toFixed(0)).join('/'),
      retrieval[m]?.validation_recall_at_100 as number | undefined,
      fmt(retrieval[m], 'recall_at_100'),
      fmt(retrieval[m], 'ndcg_at_10'),
      retrieval[m]?.history_masked_recall_at_100 as number | undefined,
      fmt(ranking[m], 'gauc_long_view'),
      fmt(ranking[m], 'gauc_like'),
      fmt(ranking[m], 'gauc_click'),
    ]),
  ),
);
for (const [m, r] of Object.entries(retrieval)) {
  const v = r.vs_best_baseline as Record<string, unknown> | undefined;
  if (v) console.log(`${m} - ${String(v.baseline)}: R@100 ${fmt(v, 'recall_at_100')}, NDCG@10 ${fmt(v, 'ndcg_at_10')}`);
}
if (ranking.ranker?.vs_logreg) console.log('ranker - logreg GAUC:', JSON.stringify(ranking.ranker.vs_logreg));
console.log(`\nwrote ${path} in ${((performance.now() - wall) / 1000).toFixed(1)}s, peak RSS ${peak} MB`);
