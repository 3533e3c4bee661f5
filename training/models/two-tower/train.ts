/**
 * Trains the two-tower model with a sampled softmax over positives (long view or like, the evaluation's
 * definition): in-batch negatives plus uniformly drawn catalogue videos (mixed negative sampling),
 * logQ-corrected by each video's expected share of the negatives.
 */

import type { Artifact } from '../../baselines/artifacts.ts';
import type { Dataset } from '../../data/schema.ts';
import { twoTowerArtifact } from '../../export/two-tower.export.ts';
import { feedToTf } from '../common/feed.tf.ts';
import { tfOps } from '../common/ops.tf.ts';
import { fromVariables, initParams, rng, shuffle, toVariables } from '../common/params.ts';
import { initTf, tf } from '../common/tf.ts';
import { type Carried, idKeysOf, incrementalRows, type WarmStart, warmStartParams } from '../common/warm-start.ts';
import type { OnProgress } from '../types.ts';
import {
  buildTwoTower,
  DEFAULT_TWO_TOWER_HP,
  encodeUsers,
  encodeVideos,
  type TwoTowerHp,
  userTower,
  videoTower,
} from './model.ts';
import { TwoTowerModel } from './two-tower.model.ts';

/** Training configuration: any hyperparameter may be overridden. */
export interface TwoTowerConfig extends Partial<TwoTowerHp> {
  /** Called after each epoch with a snapshot of the model so far (for validation curves). */
  onEpoch?: (epoch: number, snapshot: () => TwoTowerModel) => void;
  /** Begin from this model's weights (rows mapped by id) instead of a fresh initialisation. */
  warmStart?: WarmStart;
  /** Step only over positives from this time on (the newest log), when there are a batch of them. */
  trainFromMs?: number;
}

const isPositive = (l: { longView: number; like: number }) => l.longView === 1 || l.like === 1;

/**
 * Each positive with the user's history as of that moment: pre-period long-view and like sequences,
 * then the user's earlier positives in the log (strictly earlier rows; the log is sorted by time).
 */
export function pointInTimeHistories(ds: Dataset): { examples: number[]; history: (i: number) => number[] } {
  const lists = new Map<number, number[]>();
  const list = (u: number) => {
    let l = lists.get(u);
    if (!l) {
      const row = ds.users[u];
      l = row ? [...new Set([...row.historyLong, ...row.historyLike])] : [];
      lists.set(u, l);
    }
    return l;
  };
  const examples: number[] = [];
  const cut: number[] = [];
  ds.train.forEach((ex, i) => {
    if (!isPositive(ex.labels)) return;
    const l = list(ex.user);
    examples.push(i);
    cut.push(l.length);
    l.push(ex.video);
  });
  const pos = new Map(examples.map((e, k) => [e, k]));
  return {
    examples,
    history: (i) => {
      const ex = ds.train[i]!;
      return list(ex.user).slice(0, cut[pos.get(i)!]);
    },
  };
}

/** Trains a two-tower model on `ds.train`; deterministic for a given seed and backend; `artifact()` exports it. */
export async function trainTwoTower(
  ds: Dataset,
  cfg: TwoTowerConfig = {},
  onProgress?: OnProgress,
): Promise<TwoTowerModel & { artifact(): Artifact; warm?: { from: string; carried: Carried; positives: number } }> {
  const backend = await initTf();
  const { onEpoch, warmStart, trainFromMs, ...overrides } = cfg;
  const hp: TwoTowerHp = { ...DEFAULT_TWO_TOWER_HP, ...overrides };
  const ids = idKeysOf(ds);
  const { spec, params: specs } = buildTwoTower(ds.vocab, hp);
  const fresh = initParams(specs, hp.seed);
  const warm = warmStart ? warmStartParams(fresh, warmStart, ids) : undefined;
  const vars = toVariables(warm?.params ?? fresh);
  const { examples, history } = pointInTimeHistories(ds);
  if (examples.length < 2) throw new Error('two-tower: the training split has fewer than 2 positives');
  const stepped = incrementalRows(
    examples.map((i) => ds.train[i]!.timeMs),
    warm ? trainFromMs : undefined,
    Math.min(hp.batchSize, examples.length),
  ).map((k) => examples[k]!);

  const counts = new Float64Array(ds.vocab.videos);
  for (const i of examples) counts[ds.train[i]!.video]! += 1;
  // Expected share of a batch's negatives that are video j: in-batch draws follow the positives'
  // frequency, uniform ones 1/videos each (K uniform beside B in-batch), so logQ = log(p_j + K/(B·N)).
  const N = ds.vocab.videos;
  const K = Math.max(0, Math.floor(hp.uniformNegatives ?? 0));
  const uniformShare = K / (Math.min(hp.batchSize, examples.length) * N);
  const logQ = Float32Array.from(
    counts,
    (c) => hp.logQWeight * Math.log(Math.max(c, 1) / examples.length + uniformShare),
  );

  const rand = rng(hp.seed + 1);
  const order = Int32Array.from(stepped);
  const B = Math.min(hp.batchSize, stepped.length);
  const stepsPerEpoch = Math.floor(stepped.length / B);
  const total = stepsPerEpoch * hp.epochs;
  const optimizer = tf.train.adam(hp.learningRate);
  const started = performance.now();
  let step = 0;
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    shuffle(order, rand);
    for (let s = 0; s < stepsPerEpoch; s++) {
      const batch = Array.from(order.subarray(s * B, (s + 1) * B), (i) => ds.train[i]!);
      const userFeed = encodeUsers(
        spec,
        batch.map((ex, k) => ({
          user: rand() < hp.userIdDropout ? undefined : ex.user,
          attrs: ds.users[ex.user],
          history: history(order[s * B + k]!),
        })),
      );
      const videoFeed = encodeVideos(
        spec,
        batch.map((ex) => ({ id: ex.video, keepId: rand() >= hp.videoIdDropout, attrs: ds.videos[ex.video]! })),
      );
      // The same video twice in a batch is a positive, not a negative, for both rows: mask it out.
      const dup = new Float32Array(B * B);
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < B; j++) if (i !== j && batch[i]!.video === batch[j]!.video) dup[i * B + j] = -1e9;
      }
      const bq = Float32Array.from(batch, (ex) => logQ[ex.video]!);
      const negs = Array.from({ length: K }, () => Math.min(N - 1, Math.floor(rand() * N)));
      const negFeed =
        K > 0
          ? encodeVideos(
              spec,
              negs.map((id) => ({ id, keepId: rand() >= hp.videoIdDropout, attrs: ds.videos[id]! })),
            )
          : undefined;
      const negMask = new Float32Array(B * K);
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < K; j++) {
          negMask[i * K + j] = batch[i]!.video === negs[j] ? -1e9 : -logQ[negs[j]!]!;
        }
      }
      const loss = optimizer.minimize(() => {
        const inputs = { ...feedToTf(userFeed), ...feedToTf(videoFeed) };
        const o = tfOps(vars, inputs);
        const u = userTower(o, spec);
        const v = videoTower(o, spec);
        const q = tf.tensor1d(bq);
        const logits = tf.add(
          tf.sub(tf.div(tf.matMul(u, v, false, true), hp.temperature), q),
          tf.tensor2d(dup, [B, B]),
        );
        const pos = tf.sub(tf.div(tf.sum(tf.mul(u, v), 1), hp.temperature), q);
        let all = logits;
        if (negFeed) {
          const n = videoTower(tfOps(vars, feedToTf(negFeed)), spec);
          const nl = tf.add(tf.div(tf.matMul(u, n, false, true), hp.temperature), tf.tensor2d(negMask, [B, K]));
          all = tf.concat([logits, nl], 1);
        }
        return tf.mean(tf.sub(tf.logSumExp(all, 1), pos)) as tf.Scalar;
      }, true);
      step++;
      if (loss && (step % 20 === 0 || step === total)) {
        lastLoss = loss.dataSync()[0]!;
        onProgress?.({ phase: 'two_tower', step, total, loss: lastLoss });
      }
      loss?.dispose();
    }
    onEpoch?.(epoch, () => new TwoTowerModel(spec, fromVariables(vars), ds.users, ds.videos, ids));
  }
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  const params = fromVariables(vars);
  for (const v of vars.values()) v.dispose();
  const model = new TwoTowerModel(spec, params, ds.users, ds.videos, ids, {
    seconds,
    steps: step,
    examplesPerSec: (step * B) / seconds,
    finalLoss: lastLoss,
    backend,
    dataset: ds.name,
    dataHash: ds.dataHash,
  });
  return Object.assign(model, {
    artifact: () => twoTowerArtifact(model),
    ...(warm && warmStart ? { warm: { from: warmStart.from, carried: warm.carried, positives: stepped.length } } : {}),
  });
}
