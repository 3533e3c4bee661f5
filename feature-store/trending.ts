/** The trending list: a Cache sorted set the features consumer keeps and the trending source reads. */

/** The Cache sorted set of trending videos, highest score first. */
export const TRENDING_KEY = 'trending';
/** Videos kept in the trending set. */
export const TRENDING_KEEP = 1000;
/** A trending score halves every this long without new engagement. */
export const TRENDING_HALF_LIFE_MS = 2 * 3600_000;

/**
 * A trending score that needs no rescoring as time passes: log2(velocity) + t / halfLife. Comparing two
 * scores compares the velocities decayed to any common time, and the number grows only linearly.
 */
export function trendingScore(velocity: number, timeMs: number): number {
  return Math.log2(velocity) + timeMs / TRENDING_HALF_LIFE_MS;
}
