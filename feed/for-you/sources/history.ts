import type { HistoryEntry } from '../../../feature-store/ports.ts';

/** How much each kind of history entry says the viewer liked the video; skips say nothing positive. */
export const HISTORY_WEIGHT: Record<HistoryEntry['kind'], number> = { like: 3, complete: 2, watch: 1, skip: 0 };

/**
 * Positively engaged videos, newest first, each once with its strongest weight. A video whose newest
 * entry is a rejection (a quick swipe, "not interested") is left out: the latest word counts.
 */
export function positiveSeeds(history: readonly HistoryEntry[], max: number): { video: string; weight: number }[] {
  const best = new Map<string, number>();
  const order: string[] = [];
  const rejected = new Set<string>();
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!;
    const w = HISTORY_WEIGHT[h.kind];
    if (w <= 0) {
      if (!best.has(h.video)) rejected.add(h.video);
      continue;
    }
    if (rejected.has(h.video)) continue;
    if (!best.has(h.video)) order.push(h.video);
    best.set(h.video, Math.max(best.get(h.video) ?? 0, w));
  }
  return order.slice(0, max).map((video) => ({ video, weight: best.get(video)! }));
}
