import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const p01 = z.number().min(0).max(1);

/**
 * A simulated world: its catalogue, its people and how they behave. Every number lives in a versioned
 * YAML file under sim/worlds/ (documented in sim/README.md); a world is fixed before anything is
 * tuned against it, and a changed world gets a new version.
 */
export const worldSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,40}$/),
  version: z.number().int().positive(),
  seed: z.number().int().min(0),
  catalogue: z.strictObject({
    /** Topic names; each is the hashtag its videos carry. */
    topics: z.array(z.string().regex(/^[a-z0-9_]{1,30}$/)).min(2),
    creators: z.number().int().positive(),
    /** Videos at the start. */
    videos: z.number().int().positive(),
    /** Share of a creator's videos in their main topic (the rest spread over other topics). */
    creator_focus: p01,
    /** Video quality ~ Beta(a, b). */
    quality: z.strictObject({ a: z.number().positive(), b: z.number().positive() }),
    /** Video length range, seconds (real-mode clips are generated at this length). */
    duration_s: z.tuple([z.number().positive(), z.number().positive()]),
    /** New uploads per simulated day, by creators drawn in proportion to their activity. */
    uploads_per_day: z.number().min(0),
  }),
  users: z.strictObject({
    initial: z.number().int().positive(),
    arrivals_per_day: z.number().min(0),
    /** Concentration of topic interests (Dirichlet α; small = few strong topics). */
    interest_alpha: z.number().positive(),
    /** Curvature of the interest → affinity map (affinity ∝ (w / max w)^γ). */
    interest_gamma: z.number().positive(),
    /** Weight of video quality in the affinity (the rest is interest). */
    quality_weight: p01,
    /** Each user loves this many creators (affinity bonus `creator_bonus`). */
    loved_creators: z.number().int().min(0),
    creator_bonus: z.number().min(0),
    /** Standard deviation of the fixed per-(user, video) taste noise. */
    taste_noise: z.number().min(0),
    /** Share of topic interest mass that moves to a fresh random taste each day. */
    drift_per_day: p01,
    /** Probability a new user picks interests at onboarding, and how many (of their top topics, with mistakes). */
    onboarding_pick: p01,
    onboarding_topics: z.number().int().min(1),
    onboarding_mistake: p01,
  }),
  session: z.strictObject({
    /** Mean sessions on a day the user is active: 1 + extra_sessions_mean (spread by `activity`). */
    extra_sessions_mean: z.number().min(0),
    max_items: z.number().int().positive(),
    page_size: z.number().int().min(1).max(50),
    /** Watch fraction = sigmoid(watch_slope · (affinity_eff − watch_midpoint) + noise). */
    watch_slope: z.number().positive(),
    watch_midpoint: p01,
    watch_noise: z.number().min(0),
    /** Affinity lost per item already watched in the session (position fatigue). */
    fatigue_per_item: z.number().min(0),
    /** Affinity lost per earlier item of the same topic in the session (satiation). */
    satiation_per_repeat: z.number().min(0),
    /** A video seen before is worth this share of its affinity the next time (rewatching a loved clip). */
    rewatch_factor: p01,
    /** Herding: affinity gained per unit of log10(1 + views) shown on the item. */
    popularity_bias: z.number().min(0),
    /** Continue to the next item with sigmoid(continue_base + continue_watch · (watch fraction − 0.5) − fatigue). */
    continue_base: z.number(),
    continue_watch: z.number().min(0),
    /** Probabilities of each action at affinity 1 (scaled by affinity^power). */
    like: z.strictObject({ p: p01, power: z.number().positive() }),
    follow: z.strictObject({ p: p01, power: z.number().positive() }),
    comment: z.strictObject({ p: p01, power: z.number().positive() }),
    share: z.strictObject({ p: p01, power: z.number().positive() }),
    /** "Not interested" at affinity 0 (scaled by (1 − affinity)^power). */
    not_interested: z.strictObject({ p: p01, power: z.number().positive() }),
  }),
  /**
   * How much each person uses the app, fitted to KuaiRand (`npm run sim -- calibrate`, sim/README.md):
   * on a day they are a user, sessions ~ Poisson((1 + session.extra_sessions_mean) · m), m = exp(a + e + ε)
   * scaled to mean 1, with a ~ N(0, persistent_var) fixed per person, e an AR(1) level (variance ar_var,
   * lag-1 coefficient ar_phi) and ε ~ N(0, iid_var) new every day; at most max_sessions a day, and at
   * least one on the day they arrive.
   */
  activity: z.strictObject({
    persistent_var: z.number().min(0),
    ar_var: z.number().min(0),
    ar_phi: z.number().min(0).max(0.999),
    iid_var: z.number().min(0),
    max_sessions: z.number().int().min(1).max(24),
  }),
  return: z.strictObject({
    /** Next-day return = sigmoid(base + satisfaction_weight · (mean watch fraction of the day − 0.5)). */
    base: z.number(),
    satisfaction_weight: z.number().min(0),
    /** A lapsed user comes back on a given day with this probability. */
    reactivation: p01,
  }),
});
export type World = z.infer<typeof worldSchema>;

/** The repository's worlds. */
export const WORLDS_DIR = new URL('./worlds/', import.meta.url).pathname;

/** Reads and checks a world file (a path, or a name under sim/worlds/). */
export function loadWorld(pathOrName: string): World {
  const path =
    pathOrName.includes('/') || pathOrName.endsWith('.yaml') ? pathOrName : `${WORLDS_DIR}${pathOrName}.yaml`;
  const parsed = worldSchema.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The world with some of its sizes replaced (a CLI's --users, --videos): the behaviour stays the world's. */
export function resized(
  w: World,
  o: { users?: number; videos?: number; creators?: number; arrivalsPerDay?: number; uploadsPerDay?: number },
): World {
  return {
    ...w,
    catalogue: {
      ...w.catalogue,
      ...(o.videos !== undefined ? { videos: o.videos } : {}),
      ...(o.creators !== undefined ? { creators: o.creators } : {}),
      ...(o.uploadsPerDay !== undefined ? { uploads_per_day: o.uploadsPerDay } : {}),
    },
    users: {
      ...w.users,
      ...(o.users !== undefined ? { initial: o.users } : {}),
      ...(o.arrivalsPerDay !== undefined ? { arrivals_per_day: o.arrivalsPerDay } : {}),
    },
  };
}
