import type { FeatureState, FeatureVideo } from './definitions.ts';

/** One engagement as the feature store folds it: the video's attributes travel with the event. */
export interface FeatureStoreEvent {
  /** Unique per engagement; applying an id twice changes nothing. */
  id: string;
  type: string;
  /** The actor (`u:<id>` or `d:<device>`), the key user features are stored under. */
  user: string;
  /** Absent for events about a user rather than a video (follow). */
  video?: FeatureVideo & { id: string; author: string };
  /** The followed user of follow/unfollow events. */
  targetUser?: string;
  timeMs: number;
  watchMs?: number;
  durationMs?: number;
}

/** The entities a `loadState` reads. */
export interface StateKeys {
  users: readonly string[];
  videos: readonly string[];
  authors?: readonly string[];
}

/** Windowed per-video stats from hourly buckets (the current clock hour counts as the last hour). */
export interface VideoWindowStats {
  plays1h: number;
  plays24h: number;
  likes1h: number;
  likes24h: number;
  completes24h: number;
  /** completes / plays over 24 h (0 without plays). */
  completionRate24h: number;
  /** Weighted engagement in the last hour (plays + 3·likes + 4·comments + 5·shares): the trending signal. */
  velocity: number;
}

/** Windowed per-author stats over 24 h. */
export interface AuthorWindowStats {
  plays24h: number;
  likes24h: number;
  follows24h: number;
}

/** One entry of a user's recent history, newest last. */
export interface HistoryEntry {
  video: string;
  kind: 'watch' | 'like' | 'skip' | 'complete';
  timeMs: number;
}

/**
 * The online feature store: per-user, per-video, per-author and global feature state, folded from the
 * engagement log with `definitions.ts` so serving computes the same features as training.
 * - `applyEvents` is idempotent by event id and atomic per call; applying the log from offset 0 to an
 *   empty store rebuilds identical state.
 * - Reads return state as of the last applied event; nothing here reads a clock.
 * @remarks One writer per store: concurrent `applyEvents` from several processes may lose updates
 * (run one feature consumer). No range scans: training replays the log instead.
 */
export interface FeatureStore {
  readonly kind: 'sqlite' | 'redis';
  /** Folds events in order; returns how many were new and their ids (repeats are skipped). */
  applyEvents(events: readonly FeatureStoreEvent[]): Promise<{ applied: number; ids: string[] }>;
  /**
   * A `FeatureState` holding only the asked users, videos and authors (none when `authors` is absent)
   * plus the global counters, for `featureVector`.
   */
  loadState(q: StateKeys): Promise<FeatureState>;
  /** Windowed stats at `timeMs` (zeros for unknown videos). */
  videoStats(videoIds: readonly string[], timeMs: number): Promise<Map<string, VideoWindowStats>>;
  authorStats(authorIds: readonly string[], timeMs: number): Promise<Map<string, AuthorWindowStats>>;
  /** The user's last watched, liked, skipped and completed videos, oldest first. */
  history(user: string): Promise<HistoryEntry[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
