/**
 * The mutable feature state and how events fold into it. Training replays logged examples through
 * `applyExample`; serving feeds live events through `applyEvent` into the same `FeatureState`.
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

/** Counter slots: impressions, clicks, long views, likes, hates. */
export const IMP = 0;
export const CLICK = 1;
export const LONG = 2;
export const LIKE = 3;
export const HATE = 4;
export const SLOTS = 5;

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

/** The whole mutable feature state: per user, per video, per author and global counters. */
export interface FeatureState {
  config: FeatureConfig;
  users: Map<EntityKey, UserFeatureState>;
  videos: Map<EntityKey, DecayedCounters>;
  /** Counters of every impression of an author's videos (a new video's author already has a record). */
  authors: Map<EntityKey, DecayedCounters>;
  global: DecayedCounters;
}

/** An empty state. */
export function newFeatureState(config: FeatureConfig = DEFAULT_FEATURE_CONFIG): FeatureState {
  return { config, users: new Map(), videos: new Map(), authors: new Map(), global: newCounters() };
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

/**
 * Counter values decayed to `timeMs` without mutating: [short..., long...]. With `out` (2 × SLOTS long)
 * the values are written there instead of a new array: the features of a page's ~350 candidates read
 * two counters each, and allocating each result cost more than decaying it.
 */
export function read(
  c: DecayedCounters | undefined,
  cfg: FeatureConfig,
  timeMs: number,
  out: Float64Array = new Float64Array(2 * SLOTS),
): Float64Array {
  if (!c || c.timeMs === Number.NEGATIVE_INFINITY) {
    out.fill(0);
    return out;
  }
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

/** An affinity decayed to `timeMs` (0 when absent). */
export function decayedValue(
  a: { value: number; timeMs: number } | undefined,
  halfLifeMs: number,
  timeMs: number,
): number {
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
  let ac = state.authors.get(video.author);
  if (!ac) {
    ac = newCounters();
    state.authors.set(video.author, ac);
  }
  bump(ac, cfg, timeMs, signals);
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
