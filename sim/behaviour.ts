import type { SimUser, VideoLatent } from './population.ts';
import type { Rng } from './rng.ts';
import type { World } from './world.ts';

/** splitmix32-style mixing: a fast, well-spread 32-bit hash of three integers. */
function mix(a: number, b: number, c: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A fixed N(0, 1) draw per (world seed, user, video): the part of a taste no feature explains. */
export function tasteNoise(seed: number, user: number, video: number): number {
  const u1 = (mix(seed, user, video) + 1) / 4294967297;
  const u2 = (mix(seed ^ 0x5bd1e995, video, user) + 1) / 4294967297;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * The ground truth: how much `user` likes `video` today, in [0, 1]. A saturating mix of relative topic
 * interest ((w_t / max w)^γ, so only a user's strongest topics score high), video quality, a bonus for
 * loved creators and a fixed idiosyncratic noise per pair, clipped. Not a dot product of embeddings:
 * the power, the max-normalisation, the clip and the per-pair noise put it outside what a two-tower
 * model can represent exactly.
 */
export function trueAffinity(world: World, user: SimUser, video: VideoLatent): number {
  const u = world.users;
  let top = 0;
  for (const w of user.interests) if (w > top) top = w;
  const pref = top > 0 ? (user.interests[video.topic] ?? 0) / top : 0;
  const a =
    (1 - u.quality_weight) * pref ** u.interest_gamma +
    u.quality_weight * video.quality +
    (user.lovedCreators.has(video.creator) ? u.creator_bonus : 0) +
    u.taste_noise * tasteNoise(world.seed, user.index, video.key);
  return Math.min(1, Math.max(0, a));
}

/** The moment an item is on screen. */
export interface ItemContext {
  /** Items already seen in this session. */
  position: number;
  /** Earlier items of the same topic in this session. */
  sameTopicBefore: number;
  /** The view count the item shows. */
  views: number;
  /** The user has seen this video before. */
  repeat?: boolean;
}

/** What the user does with one item. */
export interface Reaction {
  /** The ground-truth affinity as experienced: before session effects, discounted for a repeat. */
  affinity: number;
  /** Fraction of the video watched, in [0, 1]. */
  watchFraction: number;
  completed: boolean;
  like: boolean;
  follow: boolean;
  comment: boolean;
  share: boolean;
  notInterested: boolean;
  /** Whether the user swipes on to another item. */
  continues: boolean;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * One item's reaction: the affinity, lowered by position fatigue and same-topic satiation and raised
 * by herding on the shown view count, sets the watch fraction (a noisy sigmoid); actions follow
 * affinity powers; carrying on depends on how well this item went and on fatigue.
 */
export function react(world: World, user: SimUser, video: VideoLatent, ctx: ItemContext, r: Rng): Reaction {
  const s = world.session;
  const affinity = trueAffinity(world, user, video) * (ctx.repeat ? s.rewatch_factor : 1);
  const effective =
    affinity -
    s.fatigue_per_item * ctx.position -
    s.satiation_per_repeat * ctx.sameTopicBefore +
    s.popularity_bias * Math.log10(1 + Math.max(0, ctx.views));
  const watchFraction = sigmoid(s.watch_slope * (effective - s.watch_midpoint) + s.watch_noise * r.normal());
  const completed = watchFraction > 0.95;
  const a = Math.min(1, Math.max(0, effective));
  const act = (p: { p: number; power: number }) => r.chance(p.p * a ** p.power);
  const like = act(s.like);
  const follow = act(s.follow);
  const comment = act(s.comment);
  const share = act(s.share);
  const notInterested = !like && r.chance(s.not_interested.p * (1 - a) ** s.not_interested.power);
  const continues = r.chance(
    sigmoid(s.continue_base + s.continue_watch * (watchFraction - 0.5) - s.fatigue_per_item * 10 * ctx.position),
  );
  return {
    affinity,
    watchFraction: completed ? 1 : watchFraction,
    completed,
    like,
    follow,
    comment,
    share,
    notInterested,
    continues,
  };
}

/**
 * Number of sessions on a day the person is still a user, given today's activity multiplier: Poisson
 * around the world's mean scaled by it (0 is a quiet day), capped; at least one when `atLeastOne` (their first day).
 */
export function sessionsToday(world: World, activity: number, atLeastOne: boolean, r: Rng): number {
  const n = Math.min(world.activity.max_sessions, r.poisson((1 + world.session.extra_sessions_mean) * activity));
  return atLeastOne ? Math.max(1, n) : n;
}

/** Probability of coming back the next day after a day whose mean watch fraction was `satisfaction`. */
export function returnProbability(world: World, satisfaction: number): number {
  return sigmoid(world.return.base + world.return.satisfaction_weight * (satisfaction - 0.5));
}
