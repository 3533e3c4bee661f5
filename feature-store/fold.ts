import {
  applyEvent,
  type DecayedCounters,
  type FeatureConfig,
  type FeatureState,
  newFeatureState,
  type UserFeatureState,
} from './definitions.ts';
import type { AuthorWindowStats, FeatureStoreEvent, HistoryEntry, VideoWindowStats } from './ports.ts';
import { historyKindOf } from './signals.ts';

const HOUR_MS = 3600_000;
/** Hours of buckets kept per video and author (24 plus the partial current hour). */
const WINDOW_HOURS = 25;
/** Entries of a user's history kept. */
export const HISTORY_MAX = 50;

/** Hourly bucket columns. */
const PLAYS = 1;
const LIKES = 2;
const COMPLETES = 3;
const COMMENTS = 4;
const SHARES = 5;
const FOLLOWS = 6;
/** [hour, plays, likes, completes, comments, shares, follows], ascending by hour. */
export type WindowRow = [number, number, number, number, number, number, number];

/** What the store keeps per user. */
export interface UserRecord {
  features: UserFeatureState;
  history: HistoryEntry[];
}
/** What the store keeps per video. */
export interface VideoRecord {
  counters: DecayedCounters;
  window: WindowRow[];
}
/** What the store keeps per author. */
export interface AuthorRecord {
  /** Absent in records written before author counters existed, and for authors only followed so far. */
  counters?: DecayedCounters;
  window: WindowRow[];
}

/** The slice of the store a batch reads and writes. */
export interface Slice {
  users: Map<string, UserRecord>;
  videos: Map<string, VideoRecord>;
  authors: Map<string, AuthorRecord>;
  global: DecayedCounters | undefined;
}

/** The entity keys a batch touches, so a backend loads exactly those. */
export function keysOf(events: readonly FeatureStoreEvent[]): { users: string[]; videos: string[]; authors: string[] } {
  const users = new Set<string>();
  const videos = new Set<string>();
  const authors = new Set<string>();
  for (const e of events) {
    users.add(e.user);
    if (e.video) {
      videos.add(e.video.id);
      authors.add(e.video.author);
    }
    if (e.targetUser) authors.add(e.targetUser);
  }
  return { users: [...users], videos: [...videos], authors: [...authors] };
}

function bumpWindow(window: WindowRow[], timeMs: number, col: number, by = 1): void {
  const hour = Math.floor(timeMs / HOUR_MS);
  let row = window.find((r) => r[0] === hour);
  if (!row) {
    row = [hour, 0, 0, 0, 0, 0, 0];
    window.push(row);
    window.sort((a, b) => a[0] - b[0]);
  }
  row[col] = row[col]! + by;
  const newest = window[window.length - 1]![0];
  while (window.length > 0 && window[0]![0] <= newest - WINDOW_HOURS) window.shift();
}

const VIDEO_COLUMN: Record<string, number> = {
  play_start: PLAYS,
  like: LIKES,
  complete: COMPLETES,
  comment: COMMENTS,
  share: SHARES,
};

/**
 * Folds events, in order, into the slice (mutating it): the definitions' `applyEvent` for the ranker
 * features, plus hourly windows and histories. Deterministic: depends only on the slice and events.
 */
export function fold(slice: Slice, events: readonly FeatureStoreEvent[], config: FeatureConfig): void {
  const state: FeatureState = {
    config,
    users: new Map([...slice.users].map(([k, u]) => [k, u.features])),
    videos: new Map([...slice.videos].map(([k, v]) => [k, v.counters])),
    authors: new Map([...slice.authors].flatMap(([k, a]) => (a.counters ? [[k, a.counters]] : []))),
    global: slice.global ?? newFeatureState(config).global,
  };
  for (const e of events) {
    if (e.video) {
      const signals = applyEvent(state, {
        type: e.type,
        userId: e.user,
        video: e.video,
        timeMs: e.timeMs,
        ...(e.watchMs !== undefined ? { watchMs: e.watchMs } : {}),
        ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
      });
      const col = VIDEO_COLUMN[e.type];
      if (col !== undefined) {
        const v = slice.videos.get(e.video.id) ?? { counters: state.videos.get(e.video.id)!, window: [] };
        slice.videos.set(e.video.id, v);
        bumpWindow(v.window, e.timeMs, col);
        if (col === PLAYS || col === LIKES) {
          const a = slice.authors.get(e.video.author) ?? { window: [] };
          slice.authors.set(e.video.author, a);
          bumpWindow(a.window, e.timeMs, col);
        }
      }
      const kind = signals ? historyKindOf(signals) : undefined;
      const features = state.users.get(e.user);
      if (features) {
        const u = slice.users.get(e.user) ?? { features, history: [] };
        slice.users.set(e.user, u);
        if (kind) {
          u.history.push({ video: e.video.id, kind, timeMs: e.timeMs });
          if (u.history.length > HISTORY_MAX) u.history.shift();
        }
      }
    } else if (e.type === 'follow' && e.targetUser) {
      const a = slice.authors.get(e.targetUser) ?? { window: [] };
      slice.authors.set(e.targetUser, a);
      bumpWindow(a.window, e.timeMs, FOLLOWS);
    }
  }
  for (const [k, c] of state.videos) {
    const v = slice.videos.get(String(k));
    if (v) v.counters = c;
    else slice.videos.set(String(k), { counters: c, window: [] });
  }
  for (const [k, c] of state.authors) {
    const a = slice.authors.get(String(k));
    if (a) a.counters = c;
    else slice.authors.set(String(k), { counters: c, window: [] });
  }
  slice.global = state.global;
}

function sumSince(window: readonly WindowRow[] | undefined, timeMs: number, hours: number, col: number): number {
  if (!window) return 0;
  const now = Math.floor(timeMs / HOUR_MS);
  let s = 0;
  for (const r of window) if (r[0] > now - hours && r[0] <= now) s += r[col]!;
  return s;
}

/** Windowed stats of a video record at `timeMs`. */
export function videoWindowStats(v: VideoRecord | undefined, timeMs: number): VideoWindowStats {
  const w = v?.window;
  const plays24h = sumSince(w, timeMs, 24, PLAYS);
  const completes24h = sumSince(w, timeMs, 24, COMPLETES);
  const plays1h = sumSince(w, timeMs, 1, PLAYS);
  const likes1h = sumSince(w, timeMs, 1, LIKES);
  return {
    plays1h,
    plays24h,
    likes1h,
    likes24h: sumSince(w, timeMs, 24, LIKES),
    completes24h,
    completionRate24h: plays24h > 0 ? Math.min(1, completes24h / plays24h) : 0,
    velocity: plays1h + 3 * likes1h + 4 * sumSince(w, timeMs, 1, COMMENTS) + 5 * sumSince(w, timeMs, 1, SHARES),
  };
}

/** Windowed stats of an author record at `timeMs`. */
export function authorWindowStats(a: AuthorRecord | undefined, timeMs: number): AuthorWindowStats {
  return {
    plays24h: sumSince(a?.window, timeMs, 24, PLAYS),
    likes24h: sumSince(a?.window, timeMs, 24, LIKES),
    follows24h: sumSince(a?.window, timeMs, 24, FOLLOWS),
  };
}
