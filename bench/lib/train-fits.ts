/**
 * One fit of `bench:train` and its evaluation, run in a worker thread so that independent fits (the
 * families' selection runs, each seed's refit) use both cores. Each worker loads the data and builds
 * the point-in-time ranking inputs once, then answers `FitTask` messages with `FitOutcome`s: the
 * validation result of a selection fit (train) or the test result of a refit (train+validation).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { chosenSpec } from '../../training/cli/commands.train.ts';
import type { ModelSpec } from '../../training/cli/experiment.ts';
import { type TrainedModel, trainModel } from '../../training/cli/trainers.ts';
import { buildRankingInputs } from '../../training/data/features.ts';
import { loadKuaiRand } from '../../training/data/kuairand.loader.ts';
import type { Dataset } from '../../training/data/schema.ts';
import { refitDataset } from '../../training/data/split.ts';
import { generateSynthetic } from '../../training/data/synthetic.ts';
import type { RankingResult } from '../../training/eval/ranking.ts';
import { buildRetrievalCases, type RetrievalCase, type RetrievalResult } from '../../training/eval/retrieval.ts';
import { evaluateAll } from '../../training/eval/run.ts';
import { startRssSampler } from './rss.ts';

export interface FitTask {
  id: number;
  spec: ModelSpec;
  /** false: selection (fit on train, judged on validation); true: refit on train+val, judged on test. */
  refit: boolean;
  seed: number;
}

export interface FitOutcome {
  id: number;
  fitMs: number;
  examplesProcessed: number;
  peakRssMb: number;
  chosen?: ModelSpec;
  notes?: Record<string, unknown>;
  retrieval?: RetrievalResult;
  ranking?: RankingResult;
  error?: string;
}

export interface WorkerSetup {
  quick: boolean;
  dataDir: string;
}

type Inputs = ReturnType<typeof buildRankingInputs>;

/** The data a worker holds: both datasets, their ranking inputs and retrieval cases, built once. */
export async function loadBenchData(setup: WorkerSetup) {
  const ds: Dataset = setup.quick ? generateSynthetic({ seed: 42 }) : await loadKuaiRand({ dir: setup.dataDir });
  const refit = refitDataset(ds);
  let inputs: Inputs | undefined;
  const ins = () => {
    inputs ??= buildRankingInputs(ds);
    return inputs;
  };
  // Features are computed point in time over the whole log in both cases, so the refit's train inputs
  // are the train inputs followed by the validation inputs (the same examples in the same order).
  let refitInputs: Inputs | undefined;
  const refitIns = () => {
    const i = ins();
    refitInputs ??= { train: [...i.train, ...i.validation], validation: [], test: i.test };
    return refitInputs;
  };
  const cases = new Map<string, RetrievalCase[]>();
  const casesOf = (d: Dataset, period: 'validation' | 'test') => {
    const key = `${d.name}:${period}`;
    let c = cases.get(key);
    if (!c) {
      c = buildRetrievalCases(d, period);
      cases.set(key, c);
    }
    return c;
  };
  return { ds, refit, ins, refitIns, casesOf };
}

/** Fits one model and evaluates it: selection fits on validation, refits on test. */
export async function runFit(data: Awaited<ReturnType<typeof loadBenchData>>, task: FitTask): Promise<FitOutcome> {
  const d = task.refit ? data.refit : data.ds;
  const ins = task.refit ? data.refitIns : data.ins;
  const period = task.refit ? 'test' : 'validation';
  const rss = startRssSampler();
  const t0 = performance.now();
  let model: TrainedModel;
  try {
    model = await trainModel(task.spec, d, ins, task.seed);
  } catch (err) {
    return { id: task.id, fitMs: 0, examplesProcessed: 0, peakRssMb: rss.stop().peakMb, error: (err as Error).message };
  }
  const fitMs = performance.now() - t0;
  const r = evaluateAll(
    d,
    period,
    [
      {
        name: task.spec.type,
        ...(model.retrieval ? { retrieval: model.retrieval } : {}),
        ...(model.ranking ? { ranking: model.ranking } : {}),
      },
    ],
    () => ins()[period],
    undefined,
    data.casesOf(d, period),
  );
  return {
    id: task.id,
    fitMs,
    examplesProcessed: model.examplesProcessed,
    peakRssMb: rss.stop().peakMb,
    ...(task.refit ? {} : { chosen: chosenSpec(task.spec, model) }),
    ...(model.notes ? { notes: model.notes } : {}),
    ...(r.retrieval[0] ? { retrieval: r.retrieval[0] } : {}),
    ...(r.ranking[0] ? { ranking: r.ranking[0] } : {}),
  };
}

if (parentPort && (workerData as { trainBenchWorker?: WorkerSetup } | undefined)?.trainBenchWorker) {
  const port = parentPort;
  const data = await loadBenchData((workerData as { trainBenchWorker: WorkerSetup }).trainBenchWorker);
  port.postMessage({
    ready: true,
    dataHash: data.ds.dataHash,
    name: data.ds.name,
    sizes: [data.ds.train.length, data.ds.validation.length, data.ds.test.length],
  });
  port.on('message', async (task: FitTask) => {
    port.postMessage(await runFit(data, task));
  });
}
