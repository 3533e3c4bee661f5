/**
 * Per-user aggregates of the engagement log over a time range: what every metric of `config.ts` is
 * computed from, for the experiment period and the pre-period alike.
 */
import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import type { UserAggregate } from './config.ts';

export const DAY_MS = 86_400_000;
/** A new session after this long without an impression. */
const SESSION_GAP_MS = 30 * 60_000;

/** One exposed user's events (time-ordered) and their pre-period events. */
export interface ExposedUser {
  userId: string;
  arm: string;
  exposedAt: number;
  events: PlatformEngagementEvent[];
  pre: PlatformEngagementEvent[];
}

/** Sums a user's events in [from, to) into the per-user aggregates. */
export function aggregate(
  events: readonly PlatformEngagementEvent[],
  from: number,
  to: number,
): Record<UserAggregate, number> {
  const a: Record<UserAggregate, number> = {
    impressions: 0,
    watch_s: 0,
    long_views: 0,
    completes: 0,
    skips: 0,
    likes: 0,
    comments: 0,
    shares: 0,
    follows: 0,
    not_interested: 0,
    sessions: 0,
    active_days: 0,
    returned_next_day: 0,
  };
  let lastImpression = Number.NEGATIVE_INFINITY;
  let firstDay = -1;
  const days = new Set<number>();
  for (const e of events) {
    if (e.timeMs < from || e.timeMs >= to) continue;
    switch (e.type) {
      case 'impression': {
        a.impressions++;
        if (e.timeMs - lastImpression > SESSION_GAP_MS) a.sessions++;
        lastImpression = e.timeMs;
        const day = Math.floor((e.timeMs - from) / DAY_MS);
        if (firstDay < 0) firstDay = day;
        if (day > firstDay) a.returned_next_day = 1;
        days.add(day);
        break;
      }
      case 'complete':
      case 'skip': {
        const w = e.watchMs ?? 0;
        a.watch_s += w / 1000;
        if (e.type === 'complete') a.completes++;
        else a.skips++;
        if (e.type === 'complete' || (e.durationMs && w >= 0.5 * e.durationMs)) a.long_views++;
        break;
      }
      case 'like':
        a.likes++;
        break;
      case 'comment':
        a.comments++;
        break;
      case 'share':
        a.shares++;
        break;
      case 'follow':
        a.follows++;
        break;
      case 'not_interested':
        a.not_interested++;
        break;
      default:
    }
  }
  a.active_days = days.size;
  return a;
}
