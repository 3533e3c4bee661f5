/**
 * Trains the multi-task ranker on every training impression: weighted binary cross-entropy per binary
 * head (positive class up-weighted where configured) plus squared error on log1p(watch ratio).
 */
import { FEATURE_NAMES, pointInTimeFeatures } from '../../../feature-store/definitions.ts';
import type { Artifact } from '../../baselines/artifacts.ts';
import type { Dataset } from '../../data/schema.ts';
import { rankerArtifact } from '../../export/ranker.export.ts';
import { feedToTf } from '../common/feed.tf.ts';
import { tfOps } from '../common/ops.tf.ts';
import { fromVariables, initParams, rng, shuffle, toVariables } from '../common/params.ts';
import { initTf, tf } from '../common/tf.ts';
import { type Carried, idKeysOf, incrementalRows, type WarmStart, warmStartParams } from '../common/warm-start.ts';
import type { OnProgress, RankingInput } from '../types.ts';
import {
  BINARY_HEADS,
  buildRanker,
  DEFAULT_RANKER_HP,
  encodeRanker,
  type RankerHp,
  type RankerSpec,
  rankerLogits,
} from './model.ts';
import { RankerModel } from './ranker.model.ts';

/** Training configuration: hyperparameters to override, and optionally precomputed training inputs. */
export interface RankerConfig extends Partial<RankerHp> {
  /** Training inputs aligned with `ds.train`; computed with the shared feature module when absent. */
  inputs?: readonly RankingInput[];
  /** Names of the dense features (defaults to the shared module's `FEATURE_NAMES`). */
  featureNames?: readonly string[];
  /**
   * Dense features the ranker ignores (chosen on validation): their 1/std is saved as 0, so the same
   * exported graph reads the full vector in serving and they contribute nothing.
   */
  dropFeatures?: readonly string[];
  /**
   * Begin from this ranker's weights (id rows mapped by key) and keep its feature normalisation, so
   * its first layer reads the features on the scale it learnt them; ignored when its features differ.
   */
  warmStart?: WarmStart & { featureNames: readonly string[]; featureMean: number[]; featureInvStd: number[] };
  /** Step only over impressions from this time on (the newest log), when there are a batch of them. */
  trainFromMs?: number;
}

/**
 * The user counters that drift within a user's own timeline (7-day rates, recency, recent-list
 * length). On the KuaiRand validation days (fit on train, seed 1) dropping them lifts the ranker's
 * GAUC long view / like / click from 0.601 / 0.556 / 0.587 to 0.609 / 0.646 / 0.603; dropping every
 * user feature gives 0.609 / 0.644 / 0.599, every dense feature 0.613 / 0.610 / 0.606. The KuaiRand
 * experiments and benchmarks drop these.
 */
export const DRIFTING_USER_FEATURES: readonly string[] = [
  'u_log_impressions_7d',
  'u_click_rate_7d',
  'u_long_rate_7d',
  'u_like_rate_7d',
  'u_log_hours_since_last',
  'u_recent_len',
];

/** The author counters (definitions v4), by name prefix. */
const AUTHOR_FEATURES = FEATURE_NAMES.filter((n) => n.startsWith('a_'));

/**
 * The feature sets `train` chooses between on validation when the experiment names none (`featureSet`
 * unset): every feature, or every feature but the author counters. Each drops its features on top of
 * the experiment's own `dropFeatures`. The set without the context features (v3) lost on validation in
 * every run (mean GAUC of the three heads 0.620 against 0.631 with them) and is no longer fit. The
 * session position (v5) was measured apart, fit on train, seeds 1–3, on the validation days: mean GAUC
 * 0.627 without it, 0.632 with it (paired +0.003, +0.002, +0.007; like +0.015, +0.010, +0.015).
 */
export const RANKER_FEATURE_SETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  all: [],
  no_author: AUTHOR_FEATURES,
});

function featureStats(inputs: readonly RankingInput[], F: number): { mean: number[]; invStd: number[] } {
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  for (const i of inputs) {
    for (let f = 0; f < F; f++) {
      const v = i.features[f] as number;
      sum[f]! += v;
      sq[f]! += v * v;
    }
  }
  const n = Math.max(1, inputs.length);
  const mean = Array.from(sum, (s) => s / n);
  const invStd = Array.from(sq, (s, f) => 1 / Math.sqrt(Math.max(s / n - mean[f]! ** 2, 1e-6)));
  return { mean, invStd };
}

/** Trains a ranker on `ds.train`; deterministic for a given seed and backend; `artifact()` exports it. */
export async function trainRanker(
  ds: Dataset,
  cfg: RankerConfig = {},
  onProgress?: OnProgress,
): Promise<RankerModel & { artifact(): Artifact; warm?: { from: string; carried: Carried; examples: number } }> {
  const backend = await initTf();
  const { inputs: given, featureNames: givenNames, dropFeatures = [], warmStart, trainFromMs, ...overrides } = cfg;
  const hp: RankerHp = { ...DEFAULT_RANKER_HP, ...overrides };
  const inputs =
    given ?? pointInTimeFeatures(ds, ds.train).features.map((features, i) => ({ example: ds.train[i]!, features }));
  if (inputs.length < 2) throw new Error('ranker: fewer than 2 training examples');
  const F = inputs[0]!.features.length;
  const featureNames = [
    ...(givenNames ?? (F === FEATURE_NAMES.length ? FEATURE_NAMES : Array.from({ length: F }, (_, i) => `f${i}`))),
  ];
  if (featureNames.length !== F)
    throw new Error(`ranker: ${featureNames.length} feature names for vectors of width ${F}`);
  const usable =
    warmStart?.featureMean && warmStart.featureNames?.join() === featureNames.join() ? warmStart : undefined;
  const { mean, invStd } = usable
    ? { mean: [...usable.featureMean], invStd: [...usable.featureInvStd] }
    : featureStats(inputs, F);
  for (const name of dropFeatures) {
    const f = featureNames.indexOf(name);
    if (f < 0) throw new Error(`ranker: dropFeatures names an unknown feature "${name}"`);
    mean[f] = 0;
    invStd[f] = 0;
  }
  const spec: RankerSpec = { vocab: ds.vocab, hp, featureNames, featureMean: mean, featureInvStd: invStd };
  const ids = idKeysOf(ds);
  const fresh = initParams(buildRanker(spec), hp.seed);
  const warm = usable ? warmStartParams(fresh, usable, ids) : undefined;
  const vars = toVariables(warm?.params ?? fresh);
  const videoAuthors = Int32Array.from(ds.videos, (v) => v.author);

  const nb = BINARY_HEADS.length;
  const posW = Float32Array.from(BINARY_HEADS, (h) => hp.positiveWeights[h]);
  const headW = Float32Array.from(BINARY_HEADS, (h) => hp.headWeights[h]);
  const rand = rng(hp.seed + 1);
  const order = Int32Array.from(
    incrementalRows(
      inputs.map((r) => r.example.timeMs),
      warm ? trainFromMs : undefined,
      Math.min(hp.batchSize, inputs.length),
    ),
  );
  const B = Math.min(hp.batchSize, order.length);
  const stepsPerEpoch = Math.floor(order.length / B);
  const total = stepsPerEpoch * hp.epochs;
  const optimizer = tf.train.adam(hp.learningRate);
  const started = performance.now();
  let step = 0;
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    shuffle(order, rand);
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = Array.from(order.subarray(s * B, (s + 1) * B), (i) => inputs[i]!);
      const feed = encodeRanker(
        spec,
        batch.map((r) => ({
          user: rand() < hp.idDropout ? undefined : r.example.user,
          video: rand() < hp.idDropout ? undefined : r.example.video,
          author: videoAuthors[r.example.video] ?? 0,
          features: r.features,
        })),
      );
      const y = new Float32Array(B * nb);
      const w = new Float32Array(B);
      batch.forEach((r, b) => {
        BINARY_HEADS.forEach((h, j) => {
          y[b * nb + j] = r.example.labels[h];
        });
        w[b] = Math.log1p(r.example.labels.watchRatio);
      });
      const loss = optimizer.minimize(() => {
        const logits = rankerLogits(tfOps(vars, feedToTf(feed)), spec);
        const z = tf.slice(logits, [0, 0], [-1, nb]);
        const yt = tf.tensor2d(y, [B, nb]);
        // Weighted BCE: (1 − y)·softplus(z) + w₊·y·softplus(−z).
        const bce = tf.add(
          tf.mul(tf.sub(1, yt), tf.softplus(z)),
          tf.mul(tf.mul(yt, tf.tensor1d(posW)), tf.softplus(tf.neg(z))),
        );
        const binary = tf.sum(tf.mul(tf.mean(bce, 0), tf.tensor1d(headW)));
        const wr = tf.reshape(tf.slice(logits, [0, nb], [-1, 1]), [B]);
        const mse = tf.mean(tf.square(tf.sub(wr, tf.tensor1d(w))));
        return tf.add(binary, tf.mul(mse, hp.headWeights.watchRatio)) as tf.Scalar;
      }, true);
      step++;
      if (loss && (step % 20 === 0 || step === total)) {
        lastLoss = loss.dataSync()[0]!;
        onProgress?.({ phase: 'ranker', step, total, loss: lastLoss });
      }
      loss?.dispose();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  const params = fromVariables(vars);
  for (const v of vars.values()) v.dispose();
  const model = new RankerModel(spec, params, videoAuthors, ids, {
    seconds,
    steps: step,
    examplesPerSec: (step * B) / seconds,
    finalLoss: lastLoss,
    backend,
    dataset: ds.name,
    dataHash: ds.dataHash,
  });
  return Object.assign(model, {
    artifact: () => rankerArtifact(model),
    ...(warm && usable ? { warm: { from: usable.from, carried: warm.carried, examples: order.length } } : {}),
  });
}
