/**
 * The multi-task ranker: dense point-in-time features plus user, video and author id embeddings into a
 * shared-bottom MLP with one logit per head. Shared bottom rather than MMoE: the heads here (click, long
 * view, like, …) all read the same interest signal, the data is ~10⁵ impressions, and MMoE's gates pay
 * off when tasks conflict at scale; a shared bottom has fewer parameters to fit on the rare heads.
 */
import type { Vocab } from '../../data/schema.ts';
import { cat, type Feed } from '../common/feed.ts';
import { dense, type Ops } from '../common/ops.ts';
import type { ParamSpec } from '../common/params.ts';
import { RANKING_HEADS, type RankingHead } from '../types.ts';

/** Binary heads, in output order; `watchRatio` (regression on log1p) is the last output. */
export const BINARY_HEADS = RANKING_HEADS.filter((h) => h !== 'watchRatio');

/** Hyperparameters of the ranker and its training. */
export interface RankerHp {
  userIdDim: number;
  videoIdDim: number;
  authorDim: number;
  hidden1: number;
  hidden2: number;
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Fraction of rows trained with the unknown user / video id, so unseen ids get a sensible embedding. */
  idDropout: number;
  /** Loss weight of each head. */
  headWeights: Record<RankingHead, number>;
  /** Weight of the positive class per binary head (rare heads can be up-weighted). */
  positiveWeights: Record<RankingHead, number>;
  seed: number;
}

/** Defaults (see the training report for how they were chosen). */
export const DEFAULT_RANKER_HP: RankerHp = Object.freeze({
  userIdDim: 16,
  videoIdDim: 16,
  authorDim: 8,
  hidden1: 128,
  hidden2: 64,
  learningRate: 0.002,
  batchSize: 1024,
  epochs: 3,
  idDropout: 0.05,
  headWeights: { click: 1, longView: 1, like: 1, follow: 0.5, comment: 0.5, forward: 0.5, hate: 0.5, watchRatio: 0.5 },
  positiveWeights: { click: 1, longView: 1, like: 2, follow: 2, comment: 2, forward: 2, hate: 2, watchRatio: 1 },
  seed: 13,
});

/** Everything that fixes the ranker's shapes and input normalisation; saved in metadata. */
export interface RankerSpec {
  vocab: Vocab;
  hp: RankerHp;
  featureNames: string[];
  /** Per-feature mean and 1/std from training, applied inside the graph (then clipped to ±5). */
  featureMean: number[];
  featureInvStd: number[];
}

/** The ranker's parameters (pure: no tensors). */
export function buildRanker(spec: RankerSpec): ParamSpec[] {
  const { vocab, hp } = spec;
  const inDim = hp.userIdDim + hp.videoIdDim + hp.authorDim + spec.featureNames.length;
  return [
    { name: 'user.id', shape: [vocab.users + 1, hp.userIdDim], init: 'embedding' },
    { name: 'video.id', shape: [vocab.videos + 1, hp.videoIdDim], init: 'embedding' },
    { name: 'author.id', shape: [Math.max(1, vocab.authors), hp.authorDim], init: 'embedding' },
    { name: 'h1.w', shape: [inDim, hp.hidden1], init: 'glorot' },
    { name: 'h1.b', shape: [hp.hidden1], init: 'zeros' },
    { name: 'h2.w', shape: [hp.hidden1, hp.hidden2], init: 'glorot' },
    { name: 'h2.b', shape: [hp.hidden2], init: 'zeros' },
    { name: 'heads.w', shape: [hp.hidden2, RANKING_HEADS.length], init: 'glorot' },
    { name: 'heads.b', shape: [RANKING_HEADS.length], init: 'zeros' },
  ];
}

/** Raw head outputs [B, heads]: logits of the binary heads, then log1p(watch ratio). */
export function rankerLogits<T>(o: Ops<T>, spec: RankerSpec): T {
  const parts = [
    o.gather(o.param('user.id'), o.input('user')),
    o.gather(o.param('video.id'), o.input('video')),
    o.gather(o.param('author.id'), o.input('author')),
  ];
  const F = spec.featureNames.length;
  if (F > 0) {
    const mean = o.constant('feature_mean', Float32Array.from(spec.featureMean), [F]);
    const inv = o.constant('feature_inv_std', Float32Array.from(spec.featureInvStd), [F]);
    const z = o.mul(o.sub(o.input('features'), mean), inv);
    const clip = (v: number) => o.constant(`clip_${v < 0 ? 'lo' : 'hi'}`, new Float32Array([v]), []);
    parts.push(o.maximum(o.minimum(z, clip(5)), clip(-5)));
  }
  const h1 = dense(o, o.concat(parts, 1), 'h1', true);
  const h2 = dense(o, h1, 'h2', true);
  return dense(o, h2, 'heads', false);
}

/** Served predictions [B, heads] in `RANKING_HEADS` order: probabilities, then the watch ratio in [0, 5]. */
export function rankerScores<T>(o: Ops<T>, spec: RankerSpec): T {
  const logits = rankerLogits(o, spec);
  const n = BINARY_HEADS.length;
  const probs = o.sigmoid(o.sliceCols(logits, 0, n));
  const one = o.constant('one', new Float32Array([1]), []);
  const zero = o.constant('zero', new Float32Array([0]), []);
  // Labels are clipped to [0, 5], so predictions are too.
  const cap = o.constant('watch_cap', new Float32Array([5]), []);
  const watch = o.minimum(o.maximum(o.sub(o.exp(o.sliceCols(logits, n, n + 1)), one), zero), cap);
  return o.concat([probs, watch], 1);
}

/** One row to score: ids (unknown → the reserved bucket) and the dense feature vector. */
export interface RankerRow {
  user: number | undefined;
  video: number | undefined;
  author: number;
  features: ArrayLike<number>;
}

/** Encodes ranker inputs; throws when a feature vector has the wrong width. */
export function encodeRanker(spec: RankerSpec, rows: readonly RankerRow[]): Feed {
  const { vocab } = spec;
  const B = rows.length;
  const F = spec.featureNames.length;
  const user = new Int32Array(B);
  const video = new Int32Array(B);
  const author = new Int32Array(B);
  const features = new Float32Array(B * F);
  const inRange = (v: number | undefined, n: number) => v !== undefined && Number.isInteger(v) && v >= 0 && v < n;
  rows.forEach((r, b) => {
    user[b] = inRange(r.user, vocab.users) ? (r.user as number) : vocab.users;
    video[b] = inRange(r.video, vocab.videos) ? (r.video as number) : vocab.videos;
    author[b] = cat(r.author, vocab.authors);
    if (r.features.length !== F) throw new Error(`ranker: feature vector of width ${r.features.length}, expected ${F}`);
    for (let f = 0; f < F; f++) {
      const v = r.features[f] as number;
      features[b * F + f] = Number.isFinite(v) ? v : 0;
    }
  });
  return {
    user: { data: user, shape: [B] },
    video: { data: video, shape: [B] },
    author: { data: author, shape: [B] },
    features: { data: features, shape: [B, F] },
  };
}
