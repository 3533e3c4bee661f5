import { labelViews } from '../../feature-store/label-views.ts';
import { ENGAGEMENT_TYPES, labelsOf, type PlatformEngagementEvent } from '../../feature-store/signals.ts';
import type { Example } from './schema.ts';
import { compareExamples } from './split.ts';

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

/**
 * Turns an engagement log into training examples: one per impression, labelled by the same user's
 * later events on that video (`labelViews`: within the session window, up to the next impression of the
 * pair), with labels from the one definition of what events mean (`signals.ts`). Input order does not matter.
 */
export function eventsToExamples(
  events: Iterable<PlatformEngagementEvent>,
  opts: EventsToExamplesOptions = {},
): EventsToExamplesResult {
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
  const all = [...events];
  for (const ev of all)
    if (!ENGAGEMENT_TYPES.includes(ev.type)) throw new Error(`events: unknown event type "${String(ev.type)}"`);
  const pair = (ev: PlatformEngagementEvent) => `${ev.userId}\u0000${ev.videoId}`;
  const impressions = all.filter((ev) => ev.type === 'impression').sort((a, b) => a.timeMs - b.timeMs);
  const { views, orphans } = labelViews(
    impressions.map((ev) => ({
      pair: pair(ev),
      timeMs: ev.timeMs,
      ...(ev.durationMs ? { durationMs: ev.durationMs } : {}),
    })),
    all.map((ev) => ({ ...ev, pair: pair(ev) })),
    opts.sessionWindowMs,
  );
  const examples: Example[] = impressions.map((ev, i) => ({
    user: indexOf(userIndex, ev.userId),
    video: indexOf(videoIndex, ev.videoId),
    timeMs: ev.timeMs,
    tab: ev.tab ?? 0,
    labels: labelsOf(views[i]!),
  }));
  return { examples: examples.sort(compareExamples), userIndex, videoIndex, orphanEvents: orphans };
}

export type { PlatformEngagementEvent };
