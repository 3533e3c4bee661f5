/**
 * Plausibility rules for client playback events: what one event may claim, given the video's length
 * and the wall clock. Pure, so the numbers are unit-tested; the service applies them per event.
 */

/** A client timestamp further ahead of the server clock than this is a forged or broken clock. */
export const MAX_CLIENT_CLOCK_AHEAD_MS = 5 * 60_000;
/** The fastest playback speed a player offers: watch time per actor cannot outrun the clock by more. */
export const MAX_PLAYBACK_SPEED = 2;
/** The window the per-actor watch-time budget is counted over. */
export const WATCH_BUDGET_WINDOW_MS = 3_600_000;

/** True when a client timestamp lies in the future beyond clock skew. */
export function isFromTheFuture(clientTs: number | undefined, now: number): boolean {
  return clientTs !== undefined && clientTs > now + MAX_CLIENT_CLOCK_AHEAD_MS;
}

/**
 * The watch time one event may count: at most one full play of the video (the server's duration,
 * never the client's), and never negative. A video of unknown length keeps the client's figure, which
 * the wall-clock budget still bounds.
 */
export function clampWatchToDuration(watchMs: number, durationMs: number | null): number {
  const w = Math.max(0, Math.floor(watchMs));
  return durationMs === null || durationMs <= 0 ? w : Math.min(w, durationMs);
}

/** Watch time one actor may report per budget window: the window played at the fastest speed. */
export const WATCH_BUDGET_MS = WATCH_BUDGET_WINDOW_MS * MAX_PLAYBACK_SPEED;

/**
 * What is left of `watchMs` once the actor's window total (after adding it) is known: the part of the
 * event that fits under the budget.
 */
export function fitWatchToBudget(watchMs: number, totalAfter: number, budgetMs = WATCH_BUDGET_MS): number {
  const over = totalAfter - budgetMs;
  return over <= 0 ? watchMs : Math.max(0, watchMs - over);
}

/** Events that open a view (as the feature store's views do): its running watch total restarts at 0. */
const OPENS_VIEW = new Set(['impression', 'play_start']);

/** One event of a view as the watch budget reads it: an impression or play_start opens the view, watch events carry its running total. */
export interface ViewWatchEvent {
  /** The view's key (actor and video). */
  view: string;
  type: string;
  /** Cumulative watch of the view so far (already clamped to the duration); undefined for events without one. */
  watchMs?: number;
}

/**
 * What each event adds to its view's watch time, in batch order: watch_ms is the view's running total,
 * so only the increase over what the view already counted (`prior`, by view) is new watching; an
 * impression or play_start restarts its view at 0, and a total lower than one already counted adds nothing.
 */
export function watchIncreases(
  events: readonly ViewWatchEvent[],
  prior: ReadonlyMap<string, number>,
): (number | undefined)[] {
  const counted = new Map(prior);
  return events.map((e) => {
    if (OPENS_VIEW.has(e.type)) counted.set(e.view, 0);
    if (e.watchMs === undefined) return undefined;
    const before = counted.get(e.view) ?? 0;
    counted.set(e.view, Math.max(before, e.watchMs));
    return Math.max(0, e.watchMs - before);
  });
}

/**
 * The watch time each event may carry once the actor's window budget is applied to the increases
 * (from `watchIncreases`): an event keeps its running total while its increase fits; past the budget
 * its total stops at what the view had counted. Returns the totals and each view's counted total after
 * the batch (to remember for the view's next events). `totalBefore` is the window total before the batch.
 */
export function chargeWatch(
  events: readonly ViewWatchEvent[],
  prior: ReadonlyMap<string, number>,
  increases: readonly (number | undefined)[],
  totalBefore: number,
  budgetMs = WATCH_BUDGET_MS,
): { watch: (number | undefined)[]; counted: Map<string, number> } {
  const counted = new Map(prior);
  let total = totalBefore;
  const watch = events.map((e, i) => {
    if (OPENS_VIEW.has(e.type)) counted.set(e.view, 0);
    const inc = increases[i];
    if (e.watchMs === undefined || inc === undefined) return undefined;
    total += inc;
    const before = counted.get(e.view) ?? 0;
    const w = Math.min(e.watchMs, before + fitWatchToBudget(inc, total, budgetMs));
    counted.set(e.view, Math.max(before, w));
    return w;
  });
  return { watch, counted };
}

/** Events that open a view (the budget restarts the view's running total at them). */
export function opensView(type: string): boolean {
  return OPENS_VIEW.has(type);
}
