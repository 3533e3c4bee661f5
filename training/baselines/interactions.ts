import type { Dataset, Example } from '../data/schema.ts';
import { isPositive } from '../eval/retrieval.ts';

/**
 * Each user's positive videos, oldest first and without repeats: the pre-period long-view and like
 * sequences, then positives among `examples`. What every collaborative baseline learns from.
 */
export function userPositives(ds: Dataset, examples: readonly Example[]): number[][] {
  const lists = ds.users.map((u) => [...new Set([...u.historyLong, ...u.historyLike])]);
  const seen = lists.map((l) => new Set(l));
  for (const ex of examples) {
    if (!isPositive(ex) || seen[ex.user]!.has(ex.video)) continue;
    seen[ex.user]!.add(ex.video);
    lists[ex.user]!.push(ex.video);
  }
  return lists;
}

/** Positive counts per video in `examples`, optionally weighted by an age decay relative to `nowMs`. */
export function positiveCounts(
  videos: number,
  examples: readonly Example[],
  decay?: { halfLifeMs: number; nowMs: number },
): Float32Array {
  const counts = new Float32Array(videos);
  for (const ex of examples) {
    if (!isPositive(ex)) continue;
    const w = decay ? 2 ** (-(decay.nowMs - ex.timeMs) / decay.halfLifeMs) : 1;
    counts[ex.video] = counts[ex.video]! + w;
  }
  return counts;
}
