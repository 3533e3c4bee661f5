/**
 * The two-tower retrieval model: its hyperparameters, its parameters and both towers' forward passes,
 * written once against `Ops` so that training (tfjs) and the exported ONNX graphs share one definition.
 */
import type { Vocab } from '../../data/schema.ts';
import { cat, type Feed, offsets } from '../common/feed.ts';
import { dense, l2Normalize, maskedMean, type Ops } from '../common/ops.ts';
import type { ParamSpec } from '../common/params.ts';

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
  /** Fraction of training rows whose video id is zeroed, so the content-only path learns too. */
  videoIdDropout: number;
  /** Fraction of training rows whose user id becomes the unknown-user bucket, so that bucket learns. */
  userIdDropout: number;
  learningRate: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

/** Defaults tuned on the KuaiRand slice's validation days (more epochs overfit the id embeddings). */
export const DEFAULT_TWO_TOWER_HP: TwoTowerHp = Object.freeze({
  dim: 64,
  userIdDim: 32,
  videoIdDim: 64,
  catDim: 8,
  authorDim: 16,
  tagDim: 16,
  durationDim: 8,
  hidden: 128,
  historyLen: 50,
  maxTags: 4,
  temperature: 0.07,
  logQWeight: 1.5,
  videoIdDropout: 0.2,
  userIdDropout: 0.05,
  learningRate: 0.003,
  batchSize: 512,
  epochs: 2,
  seed: 7,
});

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

const sumSizes = (s: readonly number[]) => s.reduce((a, n) => a + Math.max(1, n), 0);

/** The parameters of a two-tower model for a vocabulary (pure: no tensors are created). */
export function buildTwoTower(
  vocab: Vocab,
  hp: TwoTowerHp = DEFAULT_TWO_TOWER_HP,
): { spec: TwoTowerSpec; params: ParamSpec[] } {
  const uIn = hp.userIdDim + hp.videoIdDim + vocab.userCats.length * hp.catDim + vocab.userNums;
  const vIn = hp.videoIdDim + hp.authorDim + hp.tagDim + hp.durationDim + vocab.videoCats.length * hp.catDim;
  const params: ParamSpec[] = [
    { name: 'user.id', shape: [vocab.users + 1, hp.userIdDim], init: 'embedding' },
    { name: 'video.id', shape: [vocab.videos + 1, hp.videoIdDim], init: 'embedding' },
    { name: 'user.cats', shape: [Math.max(1, sumSizes(vocab.userCats)), hp.catDim], init: 'embedding' },
    { name: 'video.cats', shape: [Math.max(1, sumSizes(vocab.videoCats)), hp.catDim], init: 'embedding' },
    { name: 'video.author', shape: [Math.max(1, vocab.authors), hp.authorDim], init: 'embedding' },
    { name: 'video.tags', shape: [Math.max(1, vocab.tags), hp.tagDim], init: 'embedding' },
    { name: 'video.duration', shape: [Math.max(1, vocab.durationBuckets), hp.durationDim], init: 'embedding' },
    { name: 'user.h1.w', shape: [uIn, hp.hidden], init: 'glorot' },
    { name: 'user.h1.b', shape: [hp.hidden], init: 'zeros' },
    { name: 'user.out.w', shape: [hp.hidden, hp.dim], init: 'glorot' },
    { name: 'user.out.b', shape: [hp.dim], init: 'zeros' },
    { name: 'video.h1.w', shape: [vIn, hp.hidden], init: 'glorot' },
    { name: 'video.h1.b', shape: [hp.hidden], init: 'zeros' },
    { name: 'video.out.w', shape: [hp.hidden, hp.dim], init: 'glorot' },
    { name: 'video.out.b', shape: [hp.dim], init: 'zeros' },
  ];
  return { spec: { vocab, hp }, params };
}

const flatCats = <T>(o: Ops<T>, table: string, input: string, n: number, d: number): T =>
  o.reshape(o.gather(o.param(table), o.input(input)), [-1, n * d]);

/**
 * User tower. Inputs: `user` [B] (unknown → `unknownUser`), `history` [B, L] video ids with
 * `history_mask` [B, L], `user_cats` [B, C] (already offset into the shared table), `user_nums` [B, N].
 * Output: L2-normalised [B, dim].
 */
export function userTower<T>(o: Ops<T>, spec: TwoTowerSpec): T {
  const { vocab, hp } = spec;
  const parts = [
    o.gather(o.param('user.id'), o.input('user')),
    maskedMean(o, o.param('video.id'), o.input('history'), o.input('history_mask')),
  ];
  if (vocab.userCats.length > 0) parts.push(flatCats(o, 'user.cats', 'user_cats', vocab.userCats.length, hp.catDim));
  if (vocab.userNums > 0) parts.push(o.input('user_nums'));
  const h = dense(o, o.concat(parts, 1), 'user.h1', true);
  return l2Normalize(o, dense(o, h, 'user.out', false));
}

/**
 * Video tower. Inputs: `video` [B] with `id_keep` [B, 1] (0 = content only, for new videos), `author` [B],
 * `tags` [B, T] with `tag_mask` [B, T], `duration` [B], `video_cats` [B, C] (offset). Output: [B, dim].
 */
export function videoTower<T>(o: Ops<T>, spec: TwoTowerSpec): T {
  const { vocab, hp } = spec;
  const parts = [
    o.mul(o.gather(o.param('video.id'), o.input('video')), o.input('id_keep')),
    o.gather(o.param('video.author'), o.input('author')),
    maskedMean(o, o.param('video.tags'), o.input('tags'), o.input('tag_mask')),
    o.gather(o.param('video.duration'), o.input('duration')),
  ];
  if (vocab.videoCats.length > 0)
    parts.push(flatCats(o, 'video.cats', 'video_cats', vocab.videoCats.length, hp.catDim));
  const h = dense(o, o.concat(parts, 1), 'video.h1', true);
  return l2Normalize(o, dense(o, h, 'video.out', false));
}

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
