/**
 * The ranker's dense features, defined once. Training replays logged examples through `applyExample`
 * (point in time, see `pointInTimeFeatures`); serving feeds live events through `applyEvent` into the
 * same `FeatureState`, so both compute `featureVector` with this code.
 * What each event means (long view, quick skip, affinity) comes from `signals.ts`.
 * @remarks Imports nothing from training: serving loads this module on its own.
 */
import {
  durationBucket,
  isEmptySignals,
  type Labels,
  type Signals,
  signalsOf,
  type ViewState,
  viewFromLabels,
  viewSignals,
} from './signals.ts';

/** A user, video, author or tag id: dense indices in training, string ids in serving. */
export type EntityKey = number | string;

/** Static user attributes the features read: the normalised numeric profile (follows, fans, friends, age). */
export interface FeatureUser {
  id: EntityKey;
  nums: readonly number[];
}

/** Static video attributes the features read. */
export interface FeatureVideo {
  id: EntityKey;
  author: EntityKey;
  tags: readonly EntityKey[];
  /** 0 = unknown, up to `DURATION_BUCKET_MAX`. */
  durationBucket: number;
  /** Epoch ms; 0 when unknown. */
  uploadMs: number;
  /** Length in ms (0 or absent when unknown): what a watch time is a fraction of. */
  durationMs?: number;
}

/** The feature module's view of a platform video (a catalogue entry or a metadata row). */
export function toFeatureVideo(v: {
  id: string;
  authorId: string;
  hashtags: readonly string[];
  durationMs: number | null;
  createdAt: number;
}): FeatureVideo & { id: string; author: string } {
  return {
    id: v.id,
    author: v.authorId,
    tags: v.hashtags,
    durationBucket: v.durationMs === null ? 0 : durationBucket(v.durationMs),
    durationMs: v.durationMs ?? 0,
    uploadMs: v.createdAt,
  };
}

/** What happened on one impression; missing fields count as 0. */
export type InteractionSignals = Partial<Signals>;

/** Decay horizons and weights; part of the model metadata because features depend on them. */
export interface FeatureConfig {
  affinityHalfLifeMs: number;
  shortHalfLifeMs: number;
  longHalfLifeMs: number;
  recentMax: number;
}

/** Defaults: affinities halve in 3 days, video counters in 1 and 7 days, 50 recent videos per user. */
export const DEFAULT_FEATURE_CONFIG: FeatureConfig = Object.freeze({
  affinityHalfLifeMs: 3 * 86_400_000,
  shortHalfLifeMs: 86_400_000,
  longHalfLifeMs: 7 * 86_400_000,
  recentMax: 50,
});

const DURATION_BUCKET_MAX = 7;
const STATIC_USER_NUMS = 4;
/** Counter slots: impressions, clicks, long views, likes, hates. */
const IMP = 0;
const CLICK = 1;
const LONG = 2;
const LIKE = 3;
const HATE = 4;
const SLOTS = 5;

/** Exponentially decayed counters at two horizons (short then long), last updated at `timeMs`. */
export interface DecayedCounters {
  timeMs: number;
  values: Float64Array;
}

/** What the features remember of a user. */
export interface UserFeatureState {
  recent: { video: EntityKey; timeMs: number }[];
  authorAffinity: Map<EntityKey, { value: number; timeMs: number }>;
  tagAffinity: Map<EntityKey, { value: number; timeMs: number }>;
  counters: DecayedCounters;
  lastTimeMs: number;
  /** The open views of the user's recent videos (at most `recentMax`), oldest first. */
  views: Map<EntityKey, ViewState>;
}

/** The whole mutable feature state: per user, per video and global counters. */
export interface FeatureState {
  config: FeatureConfig;
  users: Map<EntityKey, UserFeatureState>;
  videos: Map<EntityKey, DecayedCounters>;
  global: DecayedCounters;
}

/**
 * Bumped whenever what a feature means changes without its name changing (v2: affinities and counters
 * from `signals.ts` views, quick skips negative; v3: a short video's quick swipe is relative to its
 * length). Saved in ranker metadata; serving refuses other versions.
 */
export const FEATURE_VERSION = 3;

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
] as const;

/** An empty state. */
export function newFeatureState(config: FeatureConfig = DEFAULT_FEATURE_CONFIG): FeatureState {
  return { config, users: new Map(), videos: new Map(), global: newCounters() };
}

function newCounters(): DecayedCounters {
  return { timeMs: Number.NEGATIVE_INFINITY, values: new Float64Array(2 * SLOTS) };
}

/** Decays counters to `timeMs` in place (never backwards: late events count as if at the last update). */
function advance(c: DecayedCounters, cfg: FeatureConfig, timeMs: number): void {
  if (c.timeMs === Number.NEGATIVE_INFINITY) {
    c.timeMs = timeMs;
    return;
  }
  if (timeMs <= c.timeMs) return;
  const dt = timeMs - c.timeMs;
  const s = 2 ** (-dt / cfg.shortHalfLifeMs);
  const l = 2 ** (-dt / cfg.longHalfLifeMs);
  for (let i = 0; i < SLOTS; i++) {
    c.values[i] = c.values[i]! * s;
    c.values[SLOTS + i] = c.values[SLOTS + i]! * l;
  }
  c.timeMs = timeMs;
}

/** Counter values decayed to `timeMs` without mutating: [short..., long...]. */
function read(c: DecayedCounters | undefined, cfg: FeatureConfig, timeMs: number): Float64Array {
  const out = new Float64Array(2 * SLOTS);
  if (!c || c.timeMs === Number.NEGATIVE_INFINITY) return out;
  const dt = Math.max(0, timeMs - c.timeMs);
  const s = 2 ** (-dt / cfg.shortHalfLifeMs);
  const l = 2 ** (-dt / cfg.longHalfLifeMs);
  for (let i = 0; i < SLOTS; i++) {
    out[i] = c.values[i]! * s;
    out[SLOTS + i] = c.values[SLOTS + i]! * l;
  }
  return out;
}

function bump(c: DecayedCounters, cfg: FeatureConfig, timeMs: number, s: InteractionSignals): void {
  advance(c, cfg, timeMs);
  const add = [s.impression ?? 0, s.click ?? 0, s.longView ?? 0, s.like ?? 0, s.hate ?? 0];
  for (let i = 0; i < SLOTS; i++) {
    c.values[i] = c.values[i]! + add[i]!;
    c.values[SLOTS + i] = c.values[SLOTS + i]! + add[i]!;
  }
}

function decayedValue(a: { value: number; timeMs: number } | undefined, halfLifeMs: number, timeMs: number): number {
  if (!a) return 0;
  return a.value * 2 ** (-Math.max(0, timeMs - a.timeMs) / halfLifeMs);
}

function addAffinity(
  map: Map<EntityKey, { value: number; timeMs: number }>,
  key: EntityKey,
  w: number,
  cfg: FeatureConfig,
  timeMs: number,
): void {
  const now = Math.max(timeMs, map.get(key)?.timeMs ?? timeMs);
  map.set(key, { value: decayedValue(map.get(key), cfg.affinityHalfLifeMs, now) + w, timeMs: now });
}

function userState(state: FeatureState, user: EntityKey): UserFeatureState {
  let u = state.users.get(user);
  if (!u) {
    u = {
      recent: [],
      authorAffinity: new Map(),
      tagAffinity: new Map(),
      counters: newCounters(),
      lastTimeMs: 0,
      views: new Map(),
    };
    state.users.set(user, u);
  }
  return u;
}

/**
 * The tags `user` engaged with most, by positive decayed affinity at `timeMs`, strongest first (at most
 * `max`): what the viewer's own behaviour says they came for, beside the interests they picked.
 */
export function strongestTags(state: FeatureState, user: EntityKey, timeMs: number, max: number): string[] {
  const us = state.users.get(user);
  if (!us || max <= 0) return [];
  const scored: [string, number][] = [];
  for (const [tag, a] of us.tagAffinity) {
    const v = decayedValue(a, state.config.affinityHalfLifeMs, timeMs);
    if (v > 0) scored.push([String(tag), v]);
  }
  return scored
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([t]) => t);
}

/** Folds one interaction of `user` with `video` at `timeMs` into the state. */
export function applyInteraction(
  state: FeatureState,
  user: EntityKey,
  video: FeatureVideo,
  timeMs: number,
  signals: InteractionSignals,
): void {
  const cfg = state.config;
  const u = userState(state, user);
  bump(u.counters, cfg, timeMs, signals);
  let vc = state.videos.get(video.id);
  if (!vc) {
    vc = newCounters();
    state.videos.set(video.id, vc);
  }
  bump(vc, cfg, timeMs, signals);
  bump(state.global, cfg, timeMs, signals);
  if (signals.impression) {
    u.recent.push({ video: video.id, timeMs });
    if (u.recent.length > cfg.recentMax) u.recent.shift();
    u.lastTimeMs = Math.max(u.lastTimeMs, timeMs);
  }
  const w = signals.affinity ?? 0;
  if (w !== 0) {
    addAffinity(u.authorAffinity, video.author, w, cfg, timeMs);
    for (const t of video.tags) addAffinity(u.tagAffinity, t, w, cfg, timeMs);
  }
}

/** Remembers a user's view of a video, keeping only the newest `recentMax`. */
function keepView(state: FeatureState, u: UserFeatureState, video: EntityKey, view: ViewState | undefined): void {
  u.views.delete(video);
  if (!view) return;
  u.views.set(video, view);
  while (u.views.size > state.config.recentMax) u.views.delete(u.views.keys().next().value as EntityKey);
}

/**
 * Folds one logged impression with its labels (the training path for logs with one row per impression):
 * the finished view the row describes, counted as `signals.ts` counts a live one.
 */
export function applyExample(
  state: FeatureState,
  user: EntityKey,
  video: FeatureVideo,
  timeMs: number,
  labels: Partial<Labels>,
): void {
  const view = viewFromLabels(timeMs, labels, video.durationMs ?? 0);
  applyInteraction(state, user, video, timeMs, viewSignals(view));
  keepView(state, userState(state, user), video.id, view);
}

/** A live platform event, as the serving consumers see it. */
export interface FeatureEvent {
  type: string;
  userId: EntityKey;
  video: FeatureVideo;
  timeMs: number;
  watchMs?: number;
  durationMs?: number;
}

/**
 * Folds one live event (the serving path, and the training path for the platform's own log): the event
 * advances the user's view of the video, and the change in what that view signals is counted and
 * returned (undefined when the event changed nothing).
 */
export function applyEvent(state: FeatureState, ev: FeatureEvent): Signals | undefined {
  const u = userState(state, ev.userId);
  const before = u.views.get(ev.video.id);
  const durationMs = ev.durationMs ?? ev.video.durationMs;
  const signalEvent = {
    type: ev.type,
    timeMs: ev.timeMs,
    ...(ev.watchMs !== undefined ? { watchMs: ev.watchMs } : {}),
    ...(durationMs ? { durationMs } : {}),
  };
  const { view, signals } = signalsOf(signalEvent, before);
  if (view === before) return undefined;
  if (!isEmptySignals(signals)) applyInteraction(state, ev.userId, ev.video, ev.timeMs, signals);
  keepView(state, u, ev.video.id, view);
  return signals;
}

const log1p = Math.log1p;
const rate = (pos: number, imp: number, prior: number) => (pos + 5 * prior) / (imp + 5);

/** The dense features of showing `video` to `user` at `timeMs`, given the state; never mutates it. */
export function featureVector(
  state: FeatureState,
  user: FeatureUser,
  video: FeatureVideo,
  timeMs: number,
): Float32Array {
  const out = new Float32Array(FEATURE_NAMES.length);
  videoFeatures(viewerContext(state, user, timeMs), video, out);
  return out;
}

/**
 * `featureVector` for many videos shown to one user at one time: the viewer's part (decayed counters,
 * affinity totals, recent views) is computed once instead of once per video. Row i of the returned
 * views equals `featureVector(state, user, videos[i], timeMs)` exactly; the rows share one buffer.
 */
export function featureVectors(
  state: FeatureState,
  user: FeatureUser,
  videos: readonly FeatureVideo[],
  timeMs: number,
): Float32Array[] {
  const n = FEATURE_NAMES.length;
  const buf = new Float32Array(videos.length * n);
  const ctx = viewerContext(state, user, timeMs);
  return videos.map((v, i) => {
    const out = buf.subarray(i * n, (i + 1) * n);
    videoFeatures(ctx, v, out);
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
  return { state, timeMs, priors, head, us, authorTotal, recent };
}

function videoFeatures(ctx: ViewerContext, video: FeatureVideo, out: Float32Array): void {
  const { state, timeMs, priors, us } = ctx;
  const cfg = state.config;
  for (let i = 0; i < 10; i++) out[i] = ctx.head[i]!;
  out[10] = video.durationBucket / DURATION_BUCKET_MAX;
  out[11] = video.uploadMs > 0 ? log1p(Math.max(0, timeMs - video.uploadMs) / 3_600_000) : 0;
  const vc = read(state.videos.get(video.id), cfg, timeMs);
  const vImp1 = vc[IMP]!;
  const vImp7 = vc[SLOTS + IMP]!;
  out[12] = log1p(vImp1);
  out[13] = log1p(vImp7);
  out[14] = rate(vc[SLOTS + CLICK]!, vImp7, priors[CLICK]!);
  out[15] = rate(vc[LONG]!, vImp1, priors[LONG]!);
  out[16] = longRate7d(vc, priors);
  out[17] = rate(vc[SLOTS + LIKE]!, vImp7, priors[LIKE]!) * 10;
  out[18] = rate(vc[SLOTS + HATE]!, vImp7, priors[HATE]!) * 100;
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

/** The data `pointInTimeFeatures` needs; a training `Dataset` satisfies it. */
export interface FeatureDataset {
  users: readonly {
    nums: readonly number[];
    historyWatch: readonly number[];
    historyLike: readonly number[];
    historyLong: readonly number[];
  }[];
  videos: readonly {
    author: number;
    tags: readonly number[];
    durationBucket: number;
    uploadMs: number;
    durationMs?: number;
  }[];
}

/** An example as the replay reads it. */
export interface FeatureExample {
  user: number;
  video: number;
  timeMs: number;
  labels: Partial<Labels>;
}

/**
 * Features for every example, each computed from the state built by strictly earlier examples (ties
 * in time see none of each other), after seeding users' pre-period histories. Output is aligned with
 * the input order; the vectors share one buffer.
 */
export function pointInTimeFeatures(
  ds: FeatureDataset,
  examples: readonly FeatureExample[],
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
): { features: Float32Array[]; state: FeatureState } {
  const state = newFeatureState(config);
  const videos: FeatureVideo[] = ds.videos.map((v, i) => ({ ...v, id: i }));
  const users: FeatureUser[] = ds.users.map((u, i) => ({ id: i, nums: u.nums }));
  const order = [...examples.keys()].sort((a, b) => examples[a]!.timeMs - examples[b]!.timeMs || a - b);
  const firstMs = examples[order[0] ?? 0]?.timeMs ?? 0;
  // The pre-period has no per-item times: it is folded in just before the first example.
  const seedMs = firstMs - 1;
  ds.users.forEach((u, i) => {
    const liked = new Set(u.historyLike);
    const long = new Set(u.historyLong);
    // The long and like sequences reach further back than the last 50 impressions.
    const seen = [...new Set([...u.historyLike, ...u.historyLong, ...u.historyWatch])];
    for (const v of seen) {
      const l = long.has(v) ? 1 : 0;
      const k = liked.has(v) ? 1 : 0;
      applyExample(state, i, videos[v]!, seedMs, { click: l | k, longView: l, like: k });
    }
  });
  const dim = FEATURE_NAMES.length;
  const buffer = new Float32Array(examples.length * dim);
  const features: Float32Array[] = new Array(examples.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    const t = examples[order[start]!]!.timeMs;
    while (end < order.length && examples[order[end]!]!.timeMs === t) end++;
    for (let k = start; k < end; k++) {
      const i = order[k]!;
      const ex = examples[i]!;
      const row = buffer.subarray(i * dim, (i + 1) * dim);
      row.set(featureVector(state, users[ex.user]!, videos[ex.video]!, ex.timeMs));
      features[i] = row;
    }
    for (let k = start; k < end; k++) {
      const ex = examples[order[k]!]!;
      applyExample(state, ex.user, videos[ex.video]!, ex.timeMs, ex.labels);
    }
    start = end;
  }
  return { features, state };
}
