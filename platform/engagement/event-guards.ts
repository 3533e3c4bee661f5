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
