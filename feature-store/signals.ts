/**
 * What an engagement event means, defined once. Every path that turns user actions into numbers reads
 * this module: the online feature fold, the serve-log join that labels served items, the training
 * loaders (KuaiRand and the platform's own log), the view counter and the web client's event mapping.
 *
 * The unit is a **view**: an impression and everything the same user did with that video afterwards.
 * `advanceView` is the one state transition; `viewSignals` is what a view contributes to counters and
 * affinities as a function of its state; `signalsOf` is the change of that contribution caused by one
 * event. So a view counts the same whether it arrives as one event per second (the live path) or as one
 * finished row (a KuaiRand log line), and repeated progress events never count twice.
 * @remarks Imports nothing: the web client loads this file as it is.
 */

/** The kinds of engagement event the platform logs (client playback events and server-side actions). */
export const ENGAGEMENT_TYPES = [
  'impression',
  'play_start',
  'progress',
  'complete',
  'skip',
  'like',
  'follow',
  'comment',
  'share',
  'not_interested',
] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

/** One engagement event as the platform's event log records it. */
export interface PlatformEngagementEvent {
  type: EngagementType;
  userId: string;
  videoId: string;
  timeMs: number;
  /** Milliseconds watched so far (progress, complete, skip). */
  watchMs?: number;
  /** Video length in ms, when the client knows it. */
  durationMs?: number;
  /** Feed surface, when known. */
  tab?: number;
}

/** Duration bucket upper bounds in ms; bucket 0 means unknown, bucket i covers (bound[i-2], bound[i-1]]. */
export const DURATION_BUCKET_BOUNDS_MS = [7_000, 15_000, 30_000, 60_000, 120_000, 300_000] as const;

/** Number of duration buckets including the unknown bucket 0. */
export const DURATION_BUCKETS = DURATION_BUCKET_BOUNDS_MS.length + 2;

/** Bucket of a duration in ms; 0 when unknown (not finite or not positive). */
export function durationBucket(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) return 0;
  for (let i = 0; i < DURATION_BUCKET_BOUNDS_MS.length; i++) if (ms <= DURATION_BUCKET_BOUNDS_MS[i]!) return i + 1;
  return DURATION_BUCKETS - 1;
}

/** play/duration clipped to [0, 5]; 0 when the duration is unknown. */
export function watchRatio(playMs: number, durationMs: number): number {
  if (!(durationMs > 0) || !Number.isFinite(playMs)) return 0;
  return Math.min(5, Math.max(0, playMs / durationMs));
}

/** KuaiRand's long_view rule: the whole video when it lasts 18 s or less, else at least 18 s. */
export function isLongView(playMs: number, durationMs: number): boolean {
  if (durationMs > 0 && durationMs <= 18_000) return playMs >= durationMs;
  return playMs >= 18_000;
}

/** A counted view (the public view counter) needs this much watch time… */
export const VIEW_MIN_WATCH_MS = 2_000;
/** …or this fraction of the video's duration, whichever comes first. */
export const VIEW_MIN_FRACTION = 0.5;

/** True when a playback event satisfies the view-count rule (≥ 2 s or ≥ 50 % of the duration, or complete). */
export function countsAsView(type: string, watchMs: number | undefined, durationMs: number | null | undefined) {
  if (type === 'complete') return true;
  if (type !== 'play_start' && type !== 'progress' && type !== 'skip') return false;
  if (watchMs === undefined) return false;
  if (watchMs >= VIEW_MIN_WATCH_MS) return true;
  return durationMs !== null && durationMs !== undefined && durationMs > 0 && watchMs >= durationMs * VIEW_MIN_FRACTION;
}

/**
 * Leaving a video before this much watch time (and before its end) is a quick swipe: a strong negative.
 * A clip shorter than 10 s is swiped quickly when left before `QUICK_SKIP_FRACTION` of it, so leaving a
 * 3 s clip after 2 s is a partial watch weighed by its fraction, not a rejection.
 */
export const QUICK_SKIP_MS = 3_000;
/** For short videos: the fraction of the length below which leaving is a quick swipe. */
export const QUICK_SKIP_FRACTION = 0.3;
/** Events later than this after their impression start a view of their own. */
export const VIEW_WINDOW_MS = 30 * 60_000;
/** Below this watched fraction an ended view says "not for me"; above it, "more like this". */
const NEUTRAL_FRACTION = 0.3;
/** How strongly each engagement moves the viewer's affinity to the video's creator and tags. */
const AFFINITY = { watch: 1.5, longView: 1, quickSkip: -1, like: 2, follow: 3, comment: 2, forward: 2, hate: -3 };

/** Labels of one impression, as the ranker is trained on them. Binary labels are 0/1. */
export interface Labels {
  click: number;
  longView: number;
  like: number;
  follow: number;
  comment: number;
  forward: number;
  hate: number;
  /** play_time / duration, clipped to [0, 5]; NaN-free (0 when the duration is unknown). */
  watchRatio: number;
}

/** Everything known about one view so far. */
export interface ViewState {
  /** The impression's time (or the first event's, for a view without a logged impression). */
  startMs: number;
  /** Whether an impression opened this view (events without one count, but add no impression). */
  impression: boolean;
  /** Most watched so far, ms (cumulative watch time of the view). */
  watchMs: number;
  /** Video length in ms; 0 when unknown. */
  durationMs: number;
  /** The viewer left (skip) or reached the end (complete). */
  ended: boolean;
  completed: boolean;
  click: boolean;
  like: boolean;
  follow: boolean;
  comment: boolean;
  forward: boolean;
  hate: boolean;
}

/** One event as the signals read it. */
export interface SignalEvent {
  type: string;
  timeMs: number;
  /** Cumulative ms watched in this view (progress, complete, skip). */
  watchMs?: number;
  durationMs?: number;
}

/** What a view adds to the feature counters and affinities (also the per-event increments). */
export interface Signals {
  impression: number;
  click: number;
  longView: number;
  like: number;
  follow: number;
  comment: number;
  forward: number;
  hate: number;
  /** Change of the viewer's affinity to the video's author and tags. */
  affinity: number;
}

const SIGNAL_KEYS = [
  'impression',
  'click',
  'longView',
  'like',
  'follow',
  'comment',
  'forward',
  'hate',
  'affinity',
] as const;

/** A view just opened by an impression at `timeMs` (or, with `impression` false, by a later event). */
export function openView(timeMs: number, durationMs = 0, impression = true): ViewState {
  return {
    startMs: timeMs,
    impression,
    watchMs: 0,
    durationMs: Math.max(durationMs, 0),
    ended: false,
    completed: false,
    click: false,
    like: false,
    follow: false,
    comment: false,
    forward: false,
    hate: false,
  };
}

/** True when `ev` opens a new view rather than continuing `view`. */
function opensView(ev: SignalEvent, view: ViewState | undefined, windowMs = VIEW_WINDOW_MS): boolean {
  return ev.type === 'impression' || !view || ev.timeMs - view.startMs > windowMs;
}

/**
 * The state after one event (never mutates `view`). Unknown types and undo events (unlike, unfollow)
 * change nothing: labels record that an engagement happened after the impression.
 */
export function advanceView(
  view: ViewState | undefined,
  ev: SignalEvent,
  windowMs = VIEW_WINDOW_MS,
): ViewState | undefined {
  if (!(ENGAGEMENT_TYPES as readonly string[]).includes(ev.type)) return view;
  const duration = ev.durationMs !== undefined && ev.durationMs > 0 ? ev.durationMs : undefined;
  if (ev.type === 'impression') return openView(ev.timeMs, duration ?? view?.durationMs ?? 0);
  const v: ViewState = opensView(ev, view, windowMs)
    ? openView(ev.timeMs, duration ?? view?.durationMs ?? 0, false)
    : { ...(view as ViewState) };
  if (duration !== undefined) v.durationMs = duration;
  const watch = Number.isFinite(ev.watchMs) ? Math.max(0, ev.watchMs as number) : 0;
  switch (ev.type) {
    case 'play_start':
      v.click = true;
      break;
    case 'progress':
      v.watchMs = Math.max(v.watchMs, watch);
      break;
    case 'skip':
      v.watchMs = Math.max(v.watchMs, watch);
      v.ended = true;
      break;
    case 'complete':
      v.watchMs = Math.max(v.watchMs, watch, v.durationMs);
      v.ended = true;
      v.completed = true;
      break;
    case 'like':
      v.like = true;
      break;
    case 'follow':
      v.follow = true;
      break;
    case 'comment':
      v.comment = true;
      break;
    case 'share':
      v.forward = true;
      break;
    case 'not_interested':
      v.hate = true;
      break;
  }
  if (v.watchMs > 0) v.click = true;
  return v;
}

/** True when the view is a long view (KuaiRand's rule on its watch time, or watched to the end). */
export function viewIsLong(v: ViewState): boolean {
  return v.completed || (v.watchMs > 0 && isLongView(v.watchMs, v.durationMs));
}

/** True when the viewer swiped away almost at once. */
export function viewIsQuickSkip(v: ViewState): boolean {
  const quick = v.durationMs > 0 ? Math.min(QUICK_SKIP_MS, QUICK_SKIP_FRACTION * v.durationMs) : QUICK_SKIP_MS;
  return v.ended && !v.completed && v.watchMs < quick && !viewIsLong(v);
}

/**
 * The affinity a view expresses. Watching is weighed by the fraction watched: an autoplayed item that
 * is swiped away is evidence against the topic, not for it, and a view in progress never counts
 * against it before it ends. Likes, follows, comments and shares add on top; "not interested" subtracts.
 */
export function viewAffinity(v: ViewState): number {
  let a = 0;
  if (viewIsQuickSkip(v)) a += AFFINITY.quickSkip;
  else if (viewIsLong(v)) a += AFFINITY.longView;
  else if (v.durationMs > 0 && v.watchMs > 0) {
    const term = AFFINITY.watch * (Math.min(1, v.watchMs / v.durationMs) - NEUTRAL_FRACTION);
    a += v.ended ? term : Math.max(0, term);
  }
  if (v.like) a += AFFINITY.like;
  if (v.follow) a += AFFINITY.follow;
  if (v.comment) a += AFFINITY.comment;
  if (v.forward) a += AFFINITY.forward;
  if (v.hate) a += AFFINITY.hate;
  return a;
}

/** Everything a view contributes to the feature state, as a function of its state. */
export function viewSignals(v: ViewState | undefined): Signals {
  if (!v)
    return { impression: 0, click: 0, longView: 0, like: 0, follow: 0, comment: 0, forward: 0, hate: 0, affinity: 0 };
  return {
    impression: v.impression ? 1 : 0,
    click: v.click ? 1 : 0,
    longView: viewIsLong(v) ? 1 : 0,
    like: v.like ? 1 : 0,
    follow: v.follow ? 1 : 0,
    comment: v.comment ? 1 : 0,
    forward: v.forward ? 1 : 0,
    hate: v.hate ? 1 : 0,
    affinity: viewAffinity(v),
  };
}

/** True when no counter or affinity moves. */
export function isEmptySignals(s: Signals): boolean {
  return SIGNAL_KEYS.every((k) => s[k] === 0);
}

/**
 * One event's effect: the next state of its view and the change it makes to counters and affinities.
 * An event that opens a new view contributes that view's signals in full (the old view's stay counted).
 */
export function signalsOf(
  ev: SignalEvent,
  view: ViewState | undefined,
): { view: ViewState | undefined; signals: Signals } {
  const next = advanceView(view, ev);
  const before =
    next !== undefined && view !== undefined && !opensView(ev, view) ? viewSignals(view) : viewSignals(undefined);
  const after = next === view ? before : viewSignals(next);
  const signals = viewSignals(undefined);
  for (const k of SIGNAL_KEYS) signals[k] = after[k] - before[k];
  return { view: next, signals };
}

/** What an event adds to a viewer's history, by what it meant (`historyKindOf`). */
export type HistoryKind = 'like' | 'complete' | 'watch' | 'skip';

/**
 * The history entry one event's signals make, or none: a like, a view turning long, a view turning
 * into interest (its affinity rose), or a rejection (its affinity fell: a quick swipe, a short view
 * ended, "not interested"). An autoplay start or an impression alone adds nothing, so the history
 * that seeds retrieval holds what the viewer engaged with, not everything that was shown.
 */
export function historyKindOf(s: Signals): HistoryKind | undefined {
  if (s.like > 0) return 'like';
  if (s.longView > 0) return 'complete';
  if (s.affinity > 0) return 'watch';
  if (s.affinity < 0) return 'skip';
  return undefined;
}

/** The training labels of a finished (or still open) view. */
export function labelsOf(v: ViewState): Labels {
  return {
    click: v.click ? 1 : 0,
    longView: viewIsLong(v) ? 1 : 0,
    like: v.like ? 1 : 0,
    follow: v.follow ? 1 : 0,
    comment: v.comment ? 1 : 0,
    forward: v.forward ? 1 : 0,
    hate: v.hate ? 1 : 0,
    watchRatio: watchRatio(v.watchMs, v.durationMs),
  };
}

/**
 * The finished view a logged row describes (KuaiRand has one row per impression with its play time):
 * labels as logged, watch time from the watch ratio when the duration is known.
 */
export function viewFromLabels(
  timeMs: number,
  labels: Partial<Omit<Labels, 'watchRatio'>> & { watchRatio?: number },
  durationMs = 0,
): ViewState {
  const v = openView(timeMs, durationMs);
  const ratio = labels.watchRatio ?? 0;
  v.watchMs = durationMs > 0 ? Math.round(ratio * durationMs) : 0;
  // The logged click is kept as it is: KuaiRand's is_click is a tap, which autoplayed watch time is not.
  v.click = Boolean(labels.click);
  // The row's long-view label wins over its watch time, either way (0.24 % of KuaiRand rows are
  // labelled long with a shorter play time; none the other way round).
  const watchedLong = v.watchMs > 0 && isLongView(v.watchMs, durationMs);
  if (labels.longView && !watchedLong) v.completed = true;
  if (!labels.longView && watchedLong) v.watchMs = Math.min(v.watchMs, durationMs, 18_000) - 1;
  v.ended = true;
  v.like = Boolean(labels.like);
  v.follow = Boolean(labels.follow);
  v.comment = Boolean(labels.comment);
  v.forward = Boolean(labels.forward);
  v.hate = Boolean(labels.hate);
  return v;
}

/**
 * The event a player sends when the viewer leaves a video: `skip` for any view left before its end
 * (with the watch time, which says how much of a skip it was), nothing after a complete view.
 */
export function leaveEvent(watch: { completed: boolean }): 'skip' | undefined {
  return watch.completed ? undefined : 'skip';
}
