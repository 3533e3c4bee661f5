/** The ranker's input contract, shared by training and serving: what fixes its shapes and how rows are encoded. */
import { cat, type Feed } from './feed.ts';
import type { RankingHead } from './heads.ts';
import type { Vocab } from './vocab.ts';

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
  /**
   * Wide part beside the deep MLP: per head, a linear term on the normalised dense features and a bias
   * per video and per author, added to the deep logits (wide & deep). Absent in older models: off.
   */
  wide?: boolean;
  seed: number;
}

/** Everything that fixes the ranker's shapes and input normalisation; saved in metadata. */
export interface RankerSpec {
  vocab: Vocab;
  hp: RankerHp;
  featureNames: string[];
  /** Per-feature mean and 1/std from training, applied inside the graph (then clipped to ±5). */
  featureMean: number[];
  featureInvStd: number[];
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
