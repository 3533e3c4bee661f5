/**
 * The ranker's dense features, defined once: `featureVector` reads a `FeatureState` (built point in
 * time by training, live by serving) and never mutates it.
 * @remarks Imports nothing from training: serving loads this module on its own.
 */
import {
  CLICK,
  decayedValue,
  type FeatureState,
  type FeatureUser,
  type FeatureVideo,
  HATE,
  IMP,
  LIKE,
  LONG,
  read,
  SLOTS,
} from './feature-state.ts';

const DURATION_BUCKET_MAX = 7;
const STATIC_USER_NUMS = 4;

/**
 * Bumped whenever what a feature means changes without its name changing (v2: affinities and counters
 * from `signals.ts` views, quick skips negative; v3: a short video's quick swipe is relative to its
 * length; v4: the impression's context, surface and hour of day, and author counters; v5: the impression's
 * position in the viewer's session). Saved in ranker metadata; serving refuses other versions.
 */
export const FEATURE_VERSION = 5;

/** Feature names in `featureVector` order; saved in model metadata and checked on load. */
export const FEATURE_NAMES = [
  'u_follow_num',
  'u_fans_num',
  'u_friend_num',
  'u_register_days',
  'u_log_impressions_7d',
  'u_click_rate_7d',
  'u_long_rate_7d',
  'u_like_rate_7d',
  'u_log_hours_since_last',
  'u_recent_len',
  'v_duration_bucket',
  'v_log_age_hours',
  'v_log_impressions_1d',
  'v_log_impressions_7d',
  'v_click_rate_7d',
  'v_long_rate_1d',
  'v_long_rate_7d',
  'v_like_rate_7d',
  'v_hate_rate_7d',
  'x_author_affinity',
  'x_author_share',
  'x_tag_affinity_max',
  'x_tag_affinity_mean',
  'x_seen_recently',
  'c_tab_0',
  'c_tab_1',
  'c_tab_2',
  'c_tab_4',
  'c_tab_6',
  'c_tab_other',
  'c_hour_sin',
  'c_hour_cos',
  'a_log_impressions_7d',
  'a_long_rate_7d',
  'a_like_rate_7d',
  'c_session_position',
] as const;

/** Where an impression is shown: what the context features read besides its time. */
export interface FeatureContext {
  /** The feed surface (KuaiRand's `tab`); 0 when the log does not say, as in the platform's own events. */
  tab: number;
}

/** The platform's context: its events carry no surface, so serving and its training data both read tab 0. */
export const UNKNOWN_SURFACE: FeatureContext = Object.freeze({ tab: 0 });

/** Surfaces with a slot of their own (the ones with more than 0.5 % of KuaiRand's impressions); the rest share one. */
const TAB_SLOTS = [0, 1, 2, 4, 6] as const;
const CONTEXT_START = 24;
const AUTHOR_START = 32;
const SESSION_POSITION = 35;
const DAY_MS = 86_400_000;
/**
 * The viewer's impressions within this long before the request count as the same session. 30 minutes
 * chosen on the KuaiRand validation days (10, 30 and 60 tried).
 */
export const SESSION_GAP_MS = 30 * 60_000;

/**
 * The context features: the surface one-hot, and the hour of day as a point on a circle (UTC; a fixed
 * time-zone shift is a rotation of the pair, which the ranker's first layer absorbs).
 */
function contextFeatures(context: FeatureContext, timeMs: number, out: Float32Array): void {
  const slot = TAB_SLOTS.indexOf(context.tab as (typeof TAB_SLOTS)[number]);
  for (let i = 0; i <= TAB_SLOTS.length; i++) out[CONTEXT_START + i] = 0;
  out[CONTEXT_START + (slot < 0 ? TAB_SLOTS.length : slot)] = 1;
  const angle = ((((timeMs % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * 2 * Math.PI;
  out[CONTEXT_START + TAB_SLOTS.length + 1] = Math.sin(angle);
  out[CONTEXT_START + TAB_SLOTS.length + 2] = Math.cos(angle);
}

const log1p = Math.log1p;
const rate = (pos: number, imp: number, prior: number) => (pos + 5 * prior) / (imp + 5);

/**
 * The dense features of showing `video` to `user` at `timeMs` on `context`'s surface, given the state;
 * never mutates it.
 */
export function featureVector(
  state: FeatureState,
  user: FeatureUser,
  video: FeatureVideo,
  timeMs: number,
  context: FeatureContext = UNKNOWN_SURFACE,
): Float32Array {
  const out = new Float32Array(FEATURE_NAMES.length);
  videoFeatures(viewerContext(state, user, timeMs), video, out);
  contextFeatures(context, timeMs, out);
  return out;
}

/**
 * `featureVector` for many videos shown to one user at one time: the viewer's part (decayed counters,
 * affinity totals, recent views) is computed once instead of once per video. Row i of the returned
 * views equals `featureVector(state, user, videos[i], timeMs, context)` exactly; the rows share one buffer.
 */
export function featureVectors(
  state: FeatureState,
  user: FeatureUser,
  videos: readonly FeatureVideo[],
  timeMs: number,
  context: FeatureContext = UNKNOWN_SURFACE,
): Float32Array[] {
  const n = FEATURE_NAMES.length;
  const buf = new Float32Array(videos.length * n);
  const ctx = viewerContext(state, user, timeMs);
  return videos.map((v, i) => {
    const out = buf.subarray(i * n, (i + 1) * n);
    videoFeatures(ctx, v, out);
    contextFeatures(context, timeMs, out);
    return out;
  });
}

/** What the features of one viewer at one time share across videos. */
interface ViewerContext {
  state: FeatureState;
  timeMs: number;
  /** The global rate priors, by slot. */
  priors: Float64Array;
  /** out[0..9], the viewer's own features. */
  head: Float64Array;
  us: ReturnType<FeatureState['users']['get']>;
  /** Sum of the viewer's positive decayed author affinities. */
  authorTotal: number;
  recent: Set<string | number>;
  /** Where one video's and its author's decayed counters are read into (reused per video). */
  videoScratch: Float64Array;
  authorScratch: Float64Array;
  /** `c_session_position`: log1p of the viewer's impressions in the `SESSION_GAP_MS` before `timeMs`. */
  sessionPosition: number;
}

/** The global rate of each counter slot over the long horizon: what a video with no impressions is assumed to have. */
function globalPriors(state: FeatureState, timeMs: number): Float64Array {
  const g = read(state.global, state.config, timeMs);
  const gImp = Math.max(1, g[SLOTS + IMP]!);
  const priors = new Float64Array(SLOTS);
  for (let slot = 0; slot < SLOTS; slot++) priors[slot] = g[SLOTS + slot]! / gImp;
  return priors;
}

/** A video's 7-day long-view rate per impression, shrunk to the global rate (`v_long_rate_7d`). */
const longRate7d = (vc: Float64Array, priors: Float64Array) => rate(vc[SLOTS + LONG]!, vc[SLOTS + IMP]!, priors[LONG]!);

/**
 * `v_long_rate_7d` of each video at `timeMs` without the rest of the features: how well the video is
 * received by those it is shown to, shrunk to the global rate (a video nobody was shown gets the global rate).
 */
export function longViewRates(state: FeatureState, videoIds: readonly string[], timeMs: number): Map<string, number> {
  const priors = globalPriors(state, timeMs);
  return new Map(videoIds.map((id) => [id, longRate7d(read(state.videos.get(id), state.config, timeMs), priors)]));
}

function viewerContext(state: FeatureState, user: FeatureUser, timeMs: number): ViewerContext {
  const cfg = state.config;
  const head = new Float64Array(10);
  for (let i = 0; i < STATIC_USER_NUMS; i++) head[i] = user.nums[i] ?? 0;
  const priors = globalPriors(state, timeMs);
  const us = state.users.get(user.id);
  const uc = read(us?.counters, cfg, timeMs);
  const uImp = uc[SLOTS + IMP]!;
  head[4] = log1p(uImp);
  head[5] = rate(uc[SLOTS + CLICK]!, uImp, priors[CLICK]!);
  head[6] = rate(uc[SLOTS + LONG]!, uImp, priors[LONG]!);
  head[7] = rate(uc[SLOTS + LIKE]!, uImp, priors[LIKE]!) * 10;
  head[8] = us && us.lastTimeMs > 0 ? log1p(Math.max(0, timeMs - us.lastTimeMs) / 3_600_000) : log1p(24 * 30);
  head[9] = log1p(us?.recent.length ?? 0);
  let authorTotal = 0;
  if (us) {
    for (const a of us.authorAffinity.values()) {
      authorTotal += Math.max(0, decayedValue(a, cfg.affinityHalfLifeMs, timeMs));
    }
  }
  const recent = new Set<string | number>(us ? us.recent.map((r) => r.video) : []);
  let inSession = 0;
  for (const r of us?.recent ?? []) if (r.timeMs < timeMs && r.timeMs >= timeMs - SESSION_GAP_MS) inSession++;
  return {
    state,
    timeMs,
    priors,
    head,
    us,
    authorTotal,
    recent,
    videoScratch: new Float64Array(2 * SLOTS),
    authorScratch: new Float64Array(2 * SLOTS),
    sessionPosition: log1p(inSession),
  };
}

function videoFeatures(ctx: ViewerContext, video: FeatureVideo, out: Float32Array): void {
  const { state, timeMs, priors, us } = ctx;
  const cfg = state.config;
  for (let i = 0; i < 10; i++) out[i] = ctx.head[i]!;
  out[SESSION_POSITION] = ctx.sessionPosition;
  out[10] = video.durationBucket / DURATION_BUCKET_MAX;
  out[11] = video.uploadMs > 0 ? log1p(Math.max(0, timeMs - video.uploadMs) / 3_600_000) : 0;
  const vc = read(state.videos.get(video.id), cfg, timeMs, ctx.videoScratch);
  const vImp1 = vc[IMP]!;
  const vImp7 = vc[SLOTS + IMP]!;
  out[12] = log1p(vImp1);
  out[13] = log1p(vImp7);
  out[14] = rate(vc[SLOTS + CLICK]!, vImp7, priors[CLICK]!);
  out[15] = rate(vc[LONG]!, vImp1, priors[LONG]!);
  out[16] = longRate7d(vc, priors);
  out[17] = rate(vc[SLOTS + LIKE]!, vImp7, priors[LIKE]!) * 10;
  out[18] = rate(vc[SLOTS + HATE]!, vImp7, priors[HATE]!) * 100;
  const ac = read(state.authors.get(video.author), cfg, timeMs, ctx.authorScratch);
  const aImp7 = ac[SLOTS + IMP]!;
  out[AUTHOR_START] = log1p(aImp7);
  out[AUTHOR_START + 1] = rate(ac[SLOTS + LONG]!, aImp7, priors[LONG]!);
  out[AUTHOR_START + 2] = rate(ac[SLOTS + LIKE]!, aImp7, priors[LIKE]!) * 10;
  if (us) {
    const authorAff = decayedValue(us.authorAffinity.get(video.author), cfg.affinityHalfLifeMs, timeMs);
    const total = ctx.authorTotal;
    out[19] = Math.sign(authorAff) * log1p(Math.abs(authorAff));
    out[20] = total > 0 ? Math.max(0, authorAff) / total : 0;
    let max = 0;
    let sum = 0;
    for (const t of video.tags) {
      const v = decayedValue(us.tagAffinity.get(t), cfg.affinityHalfLifeMs, timeMs);
      max = Math.max(max, v);
      sum += v;
    }
    out[21] = log1p(max);
    out[22] = video.tags.length > 0 ? Math.sign(sum) * log1p(Math.abs(sum) / video.tags.length) : 0;
    out[23] = ctx.recent.has(video.id) ? 1 : 0;
  }
}
