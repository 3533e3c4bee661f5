/**
 * Which impression an engagement belongs to, defined once for every path that labels impressions: the
 * training loader of the platform's event log and the join of served items with what followed them.
 */
import { advanceView, openView, type SignalEvent, VIEW_WINDOW_MS, type ViewState } from './signals.ts';

/** An impression (or a served item) that opens a view of `pair` (a user and a video). */
export interface ViewOpen {
  pair: string;
  timeMs: number;
  durationMs?: number;
}

/** An engagement of `pair`. */
export interface PairEvent extends SignalEvent {
  pair: string;
}

/**
 * The view each open ended up as. An event belongs to the latest open of its pair at or before it,
 * within `windowMs`, and before the pair's next open (an event at the same time as an open belongs to
 * that open). Events are applied in time order whatever the input order; events that belong to no open
 * are counted as orphans. Output is aligned with `opens`.
 */
export function labelViews(
  opens: readonly ViewOpen[],
  events: readonly PairEvent[],
  windowMs: number = VIEW_WINDOW_MS,
): { views: ViewState[]; orphans: number } {
  const byPair = new Map<string, number[]>();
  opens.forEach((o, i) => {
    const list = byPair.get(o.pair) ?? [];
    list.push(i);
    byPair.set(o.pair, list);
  });
  for (const list of byPair.values()) list.sort((a, b) => opens[a]!.timeMs - opens[b]!.timeMs || a - b);
  const owned: PairEvent[][] = opens.map(() => []);
  let orphans = 0;
  for (const e of events) {
    if (e.type === 'impression') continue;
    const list = byPair.get(e.pair);
    let owner: number | undefined;
    if (list) {
      // The latest open at or before the event; ties in time resolve to the later open.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (opens[list[mid]!]!.timeMs <= e.timeMs) lo = mid + 1;
        else hi = mid;
      }
      const i = lo > 0 ? list[lo - 1] : undefined;
      if (i !== undefined && e.timeMs - opens[i]!.timeMs <= windowMs) owner = i;
    }
    if (owner === undefined) orphans++;
    else owned[owner]!.push(e);
  }
  const views = opens.map((o, i) => {
    let v: ViewState | undefined = openView(o.timeMs, o.durationMs ?? 0);
    const evs = owned[i]!.sort((a, b) => a.timeMs - b.timeMs);
    for (const e of evs) v = advanceView(v, e, windowMs);
    return v as ViewState;
  });
  return { views, orphans };
}
