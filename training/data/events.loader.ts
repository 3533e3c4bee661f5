import { isLongView, watchRatio } from './encode.ts';
import type { Example } from './schema.ts';
import { compareExamples } from './split.ts';

/** The kinds of engagement event the platform logs. */
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

/** Options of `eventsToExamples`. */
export interface EventsToExamplesOptions {
  /** Events later than this after their impression no longer count for it (default 30 min). */
  sessionWindowMs?: number;
  /** Existing id → dense index maps to extend (copied, never mutated). */
  userIndex?: ReadonlyMap<string, number>;
  videoIndex?: ReadonlyMap<string, number>;
}

/** Examples with the id maps used, and how many non-impression events matched no open impression. */
export interface EventsToExamplesResult {
  examples: Example[];
  userIndex: Map<string, number>;
  videoIndex: Map<string, number>;
  orphanEvents: number;
}

interface Open {
  ex: Example;
  watchMs: number;
  durationMs: number;
}

/**
 * Turns an engagement log into training examples: one per impression, labelled by the same user's
 * later events on that video within the session window, up to the next impression of the pair.
 * Events may arrive in any order; they are ordered by time (impressions first on ties) before joining.
 */
export function eventsToExamples(
  events: Iterable<PlatformEngagementEvent>,
  opts: EventsToExamplesOptions = {},
): EventsToExamplesResult {
  const windowMs = opts.sessionWindowMs ?? 30 * 60_000;
  const userIndex = new Map(opts.userIndex ?? []);
  const videoIndex = new Map(opts.videoIndex ?? []);
  const indexOf = (m: Map<string, number>, id: string): number => {
    let i = m.get(id);
    if (i === undefined) {
      i = m.size;
      m.set(id, i);
    }
    return i;
  };
  const sorted = [...events].sort(
    (a, b) => a.timeMs - b.timeMs || Number(b.type === 'impression') - Number(a.type === 'impression'),
  );
  const open = new Map<string, Open>();
  const all: Open[] = [];
  let orphanEvents = 0;
  for (const ev of sorted) {
    if (!ENGAGEMENT_TYPES.includes(ev.type)) throw new Error(`events: unknown event type "${String(ev.type)}"`);
    const key = `${ev.userId}\u0000${ev.videoId}`;
    if (ev.type === 'impression') {
      const o: Open = {
        ex: {
          user: indexOf(userIndex, ev.userId),
          video: indexOf(videoIndex, ev.videoId),
          timeMs: ev.timeMs,
          tab: ev.tab ?? 0,
          labels: { click: 0, longView: 0, like: 0, follow: 0, comment: 0, forward: 0, hate: 0, watchRatio: 0 },
        },
        watchMs: 0,
        durationMs: ev.durationMs ?? 0,
      };
      open.set(key, o);
      all.push(o);
      continue;
    }
    const o = open.get(key);
    if (!o || ev.timeMs - o.ex.timeMs > windowMs) {
      orphanEvents++;
      continue;
    }
    if (ev.durationMs && ev.durationMs > 0) o.durationMs = ev.durationMs;
    const l = o.ex.labels;
    switch (ev.type) {
      case 'play_start':
        l.click = 1;
        break;
      case 'progress':
      case 'skip':
        l.click = 1;
        o.watchMs = Math.max(o.watchMs, ev.watchMs ?? 0);
        break;
      case 'complete':
        l.click = 1;
        o.watchMs = Math.max(o.watchMs, ev.watchMs ?? 0, o.durationMs);
        break;
      case 'like':
        l.like = 1;
        break;
      case 'follow':
        l.follow = 1;
        break;
      case 'comment':
        l.comment = 1;
        break;
      case 'share':
        l.forward = 1;
        break;
      case 'not_interested':
        l.hate = 1;
        break;
    }
  }
  for (const o of all) {
    o.ex.labels.longView = o.watchMs > 0 && isLongView(o.watchMs, o.durationMs) ? 1 : 0;
    o.ex.labels.watchRatio = watchRatio(o.watchMs, o.durationMs);
  }
  return { examples: all.map((o) => o.ex).sort(compareExamples), userIndex, videoIndex, orphanEvents };
}
