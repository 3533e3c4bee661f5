/**
 * One cycle of the learning loop: train an experiment's models on the newest platform log, reload each
 * from the artifact it would ship as, evaluate on the held-out recent window, gate, register with
 * lineage, and (when the gate passes) build the serving index and start it as a canary arm beside
 * production (`canary.ts`; the guardrails promote or roll it back), or promote it at once without one.
 */

import type { AnnKind } from '../../retrieval/ann/open.ts';
import { writeIndexArtifact } from '../../retrieval/index-holder.ts';
import { bufferToF32 } from '../baselines/artifacts.ts';
import { buildIndex } from '../cli/ann-index.ts';
import { loadExperimentData } from '../cli/dataset.ts';
import { type Experiment, type ModelSpec, modelName } from '../cli/experiment.ts';
import { loadRegisteredModel } from '../cli/load-model.ts';
import { type TrainedModel, trainModel } from '../cli/trainers.ts';
import { buildRankingInputs } from '../data/features.ts';
import type { Dataset } from '../data/schema.ts';
import { type EvalSubject, evaluateAll, gateMetrics } from '../eval/run.ts';
import { gitSha } from '../export/git-sha.ts';
import type { DecisionLog } from '../registry/decisions.ts';
import type { ModelRegistry } from '../registry/registry.ts';
import { type CanarySite, startCanary } from './canary.ts';
import { type Fault, injectFault } from './fault.ts';
import { DEFAULT_GATE_POLICY, type GateDecision, type GatePolicy, gateModel } from './gate.ts';
import { type ProductionModel, productionSubject, readProduction } from './production.ts';
import { warmFitFrom } from './warm-start.ts';

/** What a cycle is given. */
export interface CycleOptions {
  experiment: Experiment;
  /** The platform's data folder (DIR/foryou.db, DIR/events.db) for a `platform` experiment. */
  dataDir?: string;
  registry: ModelRegistry;
  decisions: DecisionLog;
  policy?: GatePolicy;
  /** Who the lineage names as having trained and promoted (default `trainer-loop`). */
  actor?: string;
  /** Register and gate but never promote (a dry run, or when a person promotes). */
  noPromote?: boolean;
  /** Where a passing model starts as a canary arm; without it a passing model is promoted at once. */
  canary?: CanarySite;
  /** Refit every model from scratch instead of warm-starting from production (the lineage says which). */
  coldStart?: boolean;
  /** The drill: break this model's artifact after training, before the gate reloads it. */
  fault?: { model: string; fault: Fault };
  /**
   * The canary drill: the faulty model starts as a canary even though its gate failed, as if a bug had
   * slipped past the gate, so the online guardrails are what must catch it (needs `fault` and `canary`).
   */
  faultPastGate?: boolean;
  annBackend?: AnnKind;
  onStep?: (step: string) => void;
}

/** Where the cycle's data came from, in time. */
export interface DataWindow {
  dataset: string;
  dataHash: string;
  firstMs: number | null;
  trainEndMs: number | null;
  heldOutStartMs: number | null;
  lastMs: number | null;
  examples: { train: number; validation: number; test: number };
}

/** What happened to one model in a cycle. */
export interface CycleModel {
  name: string;
  version: string | null;
  trainS: number;
  decision: GateDecision;
  promoted: boolean;
  /** Started as a canary arm (promoted later by the guardrails, or rolled back). */
  canary: boolean;
  metrics: Record<string, number>;
  fault: Fault | null;
}

export interface CycleResult {
  window: DataWindow;
  codeVersion: string | null;
  trainS: number;
  evalS: number;
  totalS: number;
  models: CycleModel[];
}

function windowOf(ds: Dataset): DataWindow {
  const all = [ds.train, ds.validation, ds.test];
  const first = all.find((a) => a.length > 0)?.[0]?.timeMs ?? null;
  const lastOf = (a: readonly { timeMs: number }[]) => (a.length > 0 ? a[a.length - 1]!.timeMs : null);
  return {
    dataset: ds.name,
    dataHash: ds.dataHash,
    firstMs: first,
    trainEndMs: lastOf(ds.train),
    heldOutStartMs: ds.validation[0]?.timeMs ?? null,
    lastMs: lastOf(ds.test) ?? lastOf(ds.validation) ?? lastOf(ds.train),
    examples: { train: ds.train.length, validation: ds.validation.length, test: ds.test.length },
  };
}

/**
 * The loop's split: everything before the newest window (the experiment's test period) trains, and
 * that window is what the gate judges on. A loop needs no separate test period: each cycle's held-out
 * window is the next cycle's training data (the experiment's validation period was learnt from by nothing).
 */
function heldOutNewest(ds: Dataset): Dataset {
  if (ds.test.length === 0) return ds;
  return { ...ds, train: [...ds.train, ...ds.validation], validation: ds.test, test: [] };
}

/** The files a model ships as: its artifact plus item vectors and their ids. */
function shippedFiles(ds: Dataset, model: TrainedModel): Record<string, Buffer> {
  const files = { ...model.artifact!.files };
  if (model.videoEmbeddings) {
    const v = model.videoEmbeddings.vectors;
    files['video_embeddings.f32'] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    files['video_ids.json'] = Buffer.from(JSON.stringify(ds.videos.map((x) => x.externalId)));
  }
  return files;
}

const versionAt = (ds: Dataset, at: number) =>
  `${new Date(at)
    .toISOString()
    .replace(/[-:T.Z]/g, '')
    .slice(0, 17)}-${ds.dataHash.slice(0, 8)}`;

/** Runs one cycle; never promotes a model whose gate failed. */
export async function runCycle(o: CycleOptions): Promise<CycleResult> {
  const started = performance.now();
  const policy = o.policy ?? DEFAULT_GATE_POLICY;
  const actor = o.actor ?? 'trainer-loop';
  const exp = o.experiment;
  o.onStep?.('load data');
  const ds = heldOutNewest(await loadExperimentData(exp.data, o.dataDir));
  const window = windowOf(ds);
  let cached: ReturnType<typeof buildRankingInputs> | undefined;
  const inputs = () => {
    cached ??= buildRankingInputs(ds);
    return cached;
  };
  const trained: { name: string; spec: ModelSpec; model: TrainedModel; production?: ProductionModel }[] = [];
  const t0 = performance.now();
  for (const spec of exp.models) {
    const name = modelName(spec);
    o.onStep?.(`train ${name}`);
    const production = await readProduction(o.registry, name, spec.type);
    const warm = production && !o.coldStart ? warmFitFrom(production) : undefined;
    const model = await trainModel(spec, ds, inputs, exp.seed, undefined, warm);
    trained.push({ name, spec, model, ...(production ? { production } : {}) });
  }
  const trainS = (performance.now() - t0) / 1000;

  // The gate judges what would ship: each artifact reloaded from its files (after the drill's fault).
  o.onStep?.('evaluate');
  const t1 = performance.now();
  const shipped = new Map<
    string,
    { files: Record<string, Buffer>; dims: Record<string, number>; fault: Fault | null }
  >();
  const subjects: EvalSubject[] = [];
  for (const { name, model, production } of trained) {
    // Production judged on the same held-out window, so the gate compares the two user by user.
    const prodSubject = production ? await productionSubject(production, ds) : undefined;
    if (prodSubject) subjects.push(prodSubject);
    if (!model.artifact) {
      subjects.push({
        name,
        ...(model.retrieval ? { retrieval: model.retrieval } : {}),
        ...(model.ranking ? { ranking: model.ranking } : {}),
      });
      continue;
    }
    const dims = {
      ...model.artifact.dims,
      ...(model.videoEmbeddings ? { embeddingDim: model.videoEmbeddings.dim } : {}),
    };
    const fault = o.fault?.model === name ? o.fault.fault : null;
    const files = fault ? injectFault(shippedFiles(ds, model), fault, dims) : shippedFiles(ds, model);
    shipped.set(name, { files, dims, fault });
    const reloaded = await loadRegisteredModel(model.family, files, dims, model.artifact.config);
    subjects.push({ name, ...reloaded });
  }
  const report = evaluateAll(ds, 'validation', subjects, () => inputs().validation);
  const evalS = (performance.now() - t1) / 1000;

  const codeVersion = gitSha();
  const version = versionAt(ds, o.registry.clock.now());
  const models: CycleModel[] = [];
  for (const { name, spec, model } of trained) {
    const ship = shipped.get(name);
    if (!ship || policy.baselines.includes(name)) continue;
    const production = await o.registry.byStage(name, 'production');
    const emb = ship.files['video_embeddings.f32'];
    const decision = gateModel(
      report,
      {
        name,
        production: production?.metrics ?? null,
        productionOnWindow: `${name}@production`,
        ...(emb && ship.dims.embeddingDim
          ? { embeddings: { dim: ship.dims.embeddingDim, vectors: bufferToF32(emb) } }
          : {}),
      },
      policy,
    );
    const metrics = gateMetrics(report, name);
    const lineage = {
      dataWindow: window,
      codeVersion,
      hyperParameters: spec,
      seed: exp.seed,
      metrics,
      metricsPeriod: 'validation',
      gate: { passed: decision.passed, checks: decision.checks, headline: decision.headline ?? null },
      comparedWith: production ? `${name}@${production.version}` : null,
      warmStart: model.notes?.warmStart ?? 'none: refit from scratch (nothing in production, or --cold-start)',
      trainedBy: actor,
      fault: ship.fault,
    };
    const rec = await o.registry.register({
      metadata: {
        name,
        version,
        family: model.family,
        featureNames: model.featureNames,
        dims: ship.dims,
        dataHash: ds.dataHash,
        datasetName: ds.name,
        experiment: exp.name,
        seed: exp.seed,
        config: model.artifact!.config,
        trainMs: Math.round(model.trainMs),
        lineage,
      },
      files: ship.files,
      metrics,
    });
    const failed = decision.checks.filter((c) => !c.passed);
    await o.decisions.record({
      name,
      version: rec.version,
      action: decision.passed ? 'gate_passed' : 'gate_failed',
      actor,
      reason: decision.passed ? 'every check passed' : failed.map((c) => `${c.check}: ${c.detail}`).join('; '),
      details: { checks: decision.checks, dataWindow: window, codeVersion },
    });
    let promoted = false;
    let canary = false;
    const pastGate = !decision.passed && o.faultPastGate === true && ship.fault !== null && o.canary !== undefined;
    if ((decision.passed || pastGate) && !o.noPromote) {
      if (emb && ship.dims.embeddingDim) {
        o.onStep?.(`index ${name}`);
        const ids = JSON.parse(ship.files['video_ids.json']!.toString()) as string[];
        const built = buildIndex(bufferToF32(emb), ids, ship.dims.embeddingDim, {
          kind: o.annBackend ?? 'usearch',
          version: `${name}@${rec.version}`,
          seed: exp.seed,
        });
        await writeIndexArtifact(o.registry.objects, rec.artifactPrefix, built.snapshot);
      }
      if (o.canary) {
        o.onStep?.(`canary ${name}`);
        const { state, superseded } = startCanary(o.canary, name, rec.version, { actor });
        if (superseded)
          await o.decisions.record({
            name,
            version: superseded,
            action: 'canary_superseded',
            actor,
            reason: `its canary was replaced by ${name}@${rec.version} before a verdict`,
            details: { by: rec.version },
          });
        await o.decisions.record({
          name,
          version: rec.version,
          action: 'canary_started',
          actor,
          reason: `${pastGate ? `drill: the ${ship.fault} fault past a failed gate` : 'passed the gate'}; ${(100 * o.canary.share).toFixed(0)} % of viewers against a control arm of the same size`,
          details: { production: production?.version ?? null, range: state.range, startedAt: state.started_at },
        });
        canary = true;
      } else {
        o.onStep?.(`promote ${name}`);
        // The loop's own gate decided (on the same window, with intervals); the registry's plain metric
        // comparison would set this window's figures against production's older window.
        await o.registry.promote(name, rec.version, { force: true });
        await o.decisions.record({
          name,
          version: rec.version,
          action: 'promoted',
          actor,
          reason: production
            ? `passed the gate against ${name}@${production.version}`
            : 'passed the gate; nothing in production',
          details: { previous: production?.version ?? null },
        });
        promoted = true;
      }
    }
    models.push({
      name,
      version: rec.version,
      trainS: model.trainMs / 1000,
      decision,
      promoted,
      canary,
      metrics,
      fault: ship.fault,
    });
  }
  return { window, codeVersion, trainS, evalS, totalS: (performance.now() - started) / 1000, models };
}
