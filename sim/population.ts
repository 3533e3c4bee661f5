import { type Rng, rng } from './rng.ts';
import type { World } from './world.ts';

/** A creator: a simulated account that uploads, mostly in one topic. */
export interface SimCreator {
  index: number;
  handle: string;
  mainTopic: number;
  /** Relative upload rate. */
  activity: number;
  /** Platform user id, once registered. */
  userId?: string;
}

/** What the simulator knows of a video and the platform does not: its topic, creator and quality. */
export interface VideoLatent {
  /** The simulator's own number for the video (stable across runs of the same world). */
  key: number;
  topic: number;
  creator: number;
  quality: number;
  durationS: number;
  /** Simulated day it was uploaded (−1 for the initial catalogue). */
  day: number;
}

/** A simulated person: hidden tastes that drift, a few loved creators, and a day they arrive. */
export interface SimUser {
  index: number;
  handle: string;
  /** Topic interest weights (sum 1); drift moves them day by day. */
  interests: number[];
  lovedCreators: Set<number>;
  arrivalDay: number;
  /** Log activity: the fixed level a and today's AR(1) part e (world `activity`). */
  activity: { level: number; wander: number };
  /** Platform id and token once registered. */
  userId?: string;
  token?: string;
}

/** The creators of a world, deterministic from its seed. */
export function makeCreators(world: World): SimCreator[] {
  const r = rng(world.seed, 'creators');
  const topics = world.catalogue.topics.length;
  return Array.from({ length: world.catalogue.creators }, (_, i) => ({
    index: i,
    handle: `sim_${world.name.replaceAll('-', '_').slice(0, 12)}_c${i}`,
    // Every topic gets creators: the first round covers them in order.
    mainTopic: i < topics ? i : r.int(topics),
    activity: r.gamma(1.5),
  }));
}

/** Draws one video's latent attributes. */
export function drawVideo(
  world: World,
  creators: readonly SimCreator[],
  key: number,
  day: number,
  r: Rng,
): VideoLatent {
  const c = weightedPick(creators, (x) => x.activity, r);
  const topics = world.catalogue.topics.length;
  const topic = r.chance(world.catalogue.creator_focus) ? c.mainTopic : r.int(topics);
  const [lo, hi] = world.catalogue.duration_s;
  return {
    key,
    topic,
    creator: c.index,
    quality: r.beta(world.catalogue.quality.a, world.catalogue.quality.b),
    durationS: Math.round(r.range(lo, hi) * 10) / 10,
    day,
  };
}

/** The initial catalogue, one latent per video; every topic and creator gets at least one video. */
export function makeCatalogue(world: World, creators: readonly SimCreator[]): VideoLatent[] {
  const r = rng(world.seed, 'catalogue');
  const out: VideoLatent[] = [];
  for (let key = 0; key < world.catalogue.videos; key++) {
    const v = drawVideo(world, creators, key, -1, r);
    if (key < creators.length) {
      v.creator = key;
      v.topic = creators[key]!.mainTopic;
    }
    out.push(v);
  }
  return out;
}

/** User number `index` of the world, arriving on `arrivalDay`. */
export function makeUser(world: World, index: number, arrivalDay: number): SimUser {
  const r = rng(world.seed, 'user', index);
  const interests = r.dirichlet(world.catalogue.topics.length, world.users.interest_alpha);
  const loved = new Set<number>();
  const want = Math.min(world.users.loved_creators, world.catalogue.creators);
  while (loved.size < want) loved.add(r.int(world.catalogue.creators));
  return {
    index,
    handle: `sim_${world.name.replaceAll('-', '_').slice(0, 12)}_u${index}`,
    interests,
    lovedCreators: loved,
    arrivalDay,
    activity: initialActivity(world, index),
  };
}

/** A person's activity level and its stationary starting wander (its own stream: tastes do not move). */
export function initialActivity(world: World, index: number): SimUser['activity'] {
  const r = rng(world.seed, 'activity', index);
  const a = world.activity;
  return { level: Math.sqrt(a.persistent_var) * r.normal(), wander: Math.sqrt(a.ar_var) * r.normal() };
}

/** Today's activity multiplier m = exp(a + e + ε − var / 2) (mean 1 over people and days). */
export function activityToday(world: World, user: SimUser, day: number): number {
  const a = world.activity;
  const eps = Math.sqrt(a.iid_var) * rng(world.seed, 'activity-day', user.index, day).normal();
  return Math.exp(user.activity.level + user.activity.wander + eps - (a.persistent_var + a.ar_var + a.iid_var) / 2);
}

/** One night of the AR(1) wander: e ← φ·e + √(1 − φ²)·σ·N(0, 1). */
export function wanderActivity(world: World, user: SimUser, day: number): void {
  const a = world.activity;
  const z = rng(world.seed, 'activity-wander', user.index, day).normal();
  user.activity.wander = a.ar_phi * user.activity.wander + Math.sqrt((1 - a.ar_phi ** 2) * a.ar_var) * z;
}

/** The topics a user names at onboarding (their strongest, with a chance of a wrong one), or none. */
export function onboardingTopics(world: World, user: SimUser): number[] {
  const r = rng(world.seed, 'onboarding', user.index);
  if (!r.chance(world.users.onboarding_pick)) return [];
  const ranked = user.interests.map((w, t) => [w, t] as const).sort((a, b) => b[0] - a[0]);
  const out: number[] = [];
  for (const [, t] of ranked.slice(0, world.users.onboarding_topics)) {
    out.push(r.chance(world.users.onboarding_mistake) ? r.int(world.catalogue.topics.length) : t);
  }
  return [...new Set(out)];
}

/** One day of interest drift: a share of the mass moves to a fresh random taste. */
export function drift(world: World, user: SimUser, day: number): void {
  const d = world.users.drift_per_day;
  if (d <= 0) return;
  const fresh = rng(world.seed, 'drift', user.index, day).dirichlet(user.interests.length, world.users.interest_alpha);
  user.interests = user.interests.map((w, t) => (1 - d) * w + d * fresh[t]!);
}

/** An item chosen with probability proportional to its weight. */
export function weightedPick<T>(items: readonly T[], weight: (t: T) => number, r: Rng): T {
  const total = items.reduce((s, x) => s + weight(x), 0);
  let x = r.next() * total;
  for (const it of items) {
    x -= weight(it);
    if (x < 0) return it;
  }
  return items[items.length - 1]!;
}
