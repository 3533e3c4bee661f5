/**
 * The two-tower model's input contract, shared by training and serving: hyperparameters that fix its
 * shapes, the attributes each tower reads, and the encoders that turn them into graph inputs.
 */
import { cat, type Feed, offsets } from './feed.ts';
import type { Vocab } from './vocab.ts';

/** Hyperparameters of the two-tower model and its training. */
export interface TwoTowerHp {
  /** Output embedding size of both towers. */
  dim: number;
  userIdDim: number;
  /** Video id embedding size; the same table embeds the user's history, so the two must agree. */
  videoIdDim: number;
  catDim: number;
  authorDim: number;
  tagDim: number;
  durationDim: number;
  hidden: number;
  /** Most recent history items pooled by the user tower. */
  historyLen: number;
  maxTags: number;
  /** Softmax temperature of the in-batch loss. */
  temperature: number;
  /**
   * Multiplier of the logQ correction. In-batch negatives are drawn in proportion to popularity, so an
   * uncorrected model is biased against popular videos; 1 removes that bias, and above 1 adds a
   * popularity prior, which pays on KuaiRand where popularity predicts engagement (1.5: validation
   * recall@100 0.342 vs 0.296 at 0.5 and 0.087 at 0).
   */
  logQWeight: number;
  /**
   * Uniformly drawn catalogue videos added to each batch's in-batch negatives (mixed negative sampling),
   * so that videos rarely or never positive in training are pushed away too; the logQ correction counts
   * both draws. Training only; absent (models before it): 0.
   */
  uniformNegatives?: number;
  /** Fraction of training rows whose video id is zeroed, so the content-only path learns too. */
  videoIdDropout: number;
  /** Fraction of training rows whose user id becomes the unknown-user bucket, so that bucket learns. */
  userIdDropout: number;
  learningRate: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

/** Everything that fixes the model's shapes; saved in metadata and checked by serving. */
export interface TwoTowerSpec {
  vocab: Vocab;
  hp: TwoTowerHp;
}

/** User attributes as the user tower reads them. */
export interface TowerUser {
  cats: readonly number[];
  nums: readonly number[];
}

/** Video attributes as the video tower reads them. */
export interface TowerVideo {
  author: number;
  tags: readonly number[];
  durationBucket: number;
  cats: readonly number[];
}

/** Index of the shared unknown-user row and of the padding / unknown-video row. */
export const unknownUser = (v: Vocab) => v.users;
export const padVideo = (v: Vocab) => v.videos;

/** Encodes user-tower inputs; `user` undefined or out of range means an unknown user. */
export function encodeUsers(
  spec: TwoTowerSpec,
  rows: readonly { user: number | undefined; attrs: TowerUser | undefined; history: readonly number[] }[],
): Feed {
  const { vocab, hp } = spec;
  const B = rows.length;
  const L = hp.historyLen;
  const C = vocab.userCats.length;
  const N = vocab.userNums;
  const offs = offsets(vocab.userCats);
  const user = new Int32Array(B);
  const history = new Int32Array(B * L).fill(padVideo(vocab));
  const mask = new Float32Array(B * L);
  const cats = new Int32Array(B * C);
  const nums = new Float32Array(B * N);
  rows.forEach((r, b) => {
    const known = r.user !== undefined && Number.isInteger(r.user) && r.user >= 0 && r.user < vocab.users;
    user[b] = known ? (r.user as number) : unknownUser(vocab);
    const h = r.history;
    const start = Math.max(0, h.length - L);
    for (let k = start, j = 0; k < h.length; k++) {
      const v = h[k] as number;
      if (!(Number.isInteger(v) && v >= 0 && v < vocab.videos)) continue;
      history[b * L + j] = v;
      mask[b * L + j] = 1;
      j++;
    }
    for (let c = 0; c < C; c++)
      cats[b * C + c] = (offs[c] as number) + cat(r.attrs?.cats[c], vocab.userCats[c] as number);
    for (let n = 0; n < N; n++) nums[b * N + n] = Number.isFinite(r.attrs?.nums[n]) ? (r.attrs?.nums[n] as number) : 0;
  });
  return {
    user: { data: user, shape: [B] },
    history: { data: history, shape: [B, L] },
    history_mask: { data: mask, shape: [B, L] },
    user_cats: { data: cats, shape: [B, C] },
    user_nums: { data: nums, shape: [B, N] },
  };
}

/** Encodes video-tower inputs; `id` undefined or `keepId` false gives the content-only embedding. */
export function encodeVideos(
  spec: TwoTowerSpec,
  rows: readonly { id: number | undefined; keepId: boolean; attrs: TowerVideo }[],
): Feed {
  const { vocab, hp } = spec;
  const B = rows.length;
  const T = hp.maxTags;
  const C = vocab.videoCats.length;
  const offs = offsets(vocab.videoCats);
  const video = new Int32Array(B);
  const keep = new Float32Array(B);
  const author = new Int32Array(B);
  const tags = new Int32Array(B * T);
  const tagMask = new Float32Array(B * T);
  const duration = new Int32Array(B);
  const cats = new Int32Array(B * C);
  rows.forEach((r, b) => {
    const known = r.id !== undefined && Number.isInteger(r.id) && r.id >= 0 && r.id < vocab.videos;
    video[b] = known ? (r.id as number) : padVideo(vocab);
    keep[b] = known && r.keepId ? 1 : 0;
    author[b] = cat(r.attrs.author, vocab.authors);
    const tg = r.attrs.tags.length > 0 ? r.attrs.tags.slice(0, T) : [0];
    tg.forEach((t, j) => {
      tags[b * T + j] = cat(t, vocab.tags);
      tagMask[b * T + j] = 1;
    });
    duration[b] = cat(r.attrs.durationBucket, vocab.durationBuckets);
    for (let c = 0; c < C; c++)
      cats[b * C + c] = (offs[c] as number) + cat(r.attrs.cats[c], vocab.videoCats[c] as number);
  });
  return {
    video: { data: video, shape: [B] },
    id_keep: { data: keep, shape: [B, 1] },
    author: { data: author, shape: [B] },
    tags: { data: tags, shape: [B, T] },
    tag_mask: { data: tagMask, shape: [B, T] },
    duration: { data: duration, shape: [B] },
    video_cats: { data: cats, shape: [B, C] },
  };
}
