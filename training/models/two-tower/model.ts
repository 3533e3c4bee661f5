/**
 * The two-tower retrieval model: its hyperparameters, its parameters and both towers' forward passes,
 * written once against `Ops` so that training (tfjs) and the exported ONNX graphs share one definition.
 */
import type { TwoTowerHp, TwoTowerSpec } from '../../../model-format/two-tower.encode.ts';
import type { Vocab } from '../../data/schema.ts';
import { dense, l2Normalize, maskedMean, type Ops } from '../common/ops.ts';
import type { ParamSpec } from '../common/params.ts';

/**
 * Defaults tuned on the KuaiRand slice's validation days (more epochs overfit the id embeddings). Uniform
 * negatives, validation recall@100 mean over seeds 1-3: 0 → 0.318, 512 → 0.323, 1024 → 0.331.
 */
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
  uniformNegatives: 1024,
  videoIdDropout: 0.2,
  userIdDropout: 0.05,
  learningRate: 0.003,
  batchSize: 512,
  epochs: 2,
  seed: 7,
});

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

export {
  encodeUsers,
  encodeVideos,
  padVideo,
  type TowerUser,
  type TowerVideo,
  type TwoTowerHp,
  type TwoTowerSpec,
  unknownUser,
} from '../../../model-format/two-tower.encode.ts';
