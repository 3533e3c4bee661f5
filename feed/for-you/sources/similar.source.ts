import { z } from 'zod';
import type { AnnResult } from '../../../retrieval/ann/ports.ts';
import type { IndexSnapshot } from '../../../retrieval/index-holder.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

import { positiveSeeds } from './history.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const SIMILAR_SETTINGS = slot(
  'sources.similar',
  sourceBudgetSchema.extend({ seeds: z.number().int().min(1).max(50).default(5) }),
);

/** How long a video's neighbour list is reused; a video added to the index meanwhile shows up after it. */
const NEIGHBOURS_TTL_MS = 60_000;
const NEIGHBOURS_MAX = 100_000;

/**
 * Item-to-item: the nearest neighbours of the videos the viewer recently liked, completed or watched.
 * A neighbour reached from several seeds keeps its best weighted similarity.
 * Neighbours depend on the video, not the viewer, so each seed's list is kept per snapshot for a
 * minute: a viewer paging through the feed, and everyone who liked the same video, reuse it.
 * @remarks One search per seed, not a batch: a batched usearch search fans out to a thread pool, which
 * for a handful of queries costs ten times more CPU than the searches themselves.
 */
export function similarSource(
  opts: {
    /** Monotonic ms for the neighbour cache (tests pass their own). */
    now?: () => number;
  } = {},
): CandidateSource {
  const now = opts.now ?? (() => performance.now());
  const cache = new WeakMap<IndexSnapshot, Map<string, { at: number; result: AnnResult }>>();
  const neighbours = (s: IndexSnapshot, video: string, k: number): AnnResult => {
    let m = cache.get(s);
    if (!m) {
      m = new Map();
      cache.set(s, m);
    }
    const key = `${video}\u0000${k}`;
    const t = now();
    const hit = m.get(key);
    if (hit && t - hit.at < NEIGHBOURS_TTL_MS) return hit.result;
    const result = s.index.search(s.vectors[s.keyOf.get(video)!]!, k);
    if (m.size >= NEIGHBOURS_MAX) m.clear();
    m.set(key, { at: t, result });
    return result;
  };
  return {
    id: 'similar',
    settings: SIMILAR_SETTINGS,
    async fetch(query, quota) {
      const s = query.index;
      if (!s) return [];
      const seeds = positiveSeeds(query.viewer.history, settingsOf(query.settings, SIMILAR_SETTINGS).seeds).filter(
        (x) => s.keyOf.has(x.video),
      );
      if (seeds.length === 0) return [];
      const per = Math.ceil(quota / seeds.length) + 1;
      const results = seeds.map((x) => neighbours(s, x.video, per));
      const seedIds = new Set(seeds.map((x) => x.video));
      const best = new Map<string, number>();
      results.forEach((r, i) => {
        const w = seeds[i]!.weight / 3;
        r.keys.forEach((key, j) => {
          const id = s.ids[key];
          if (id === undefined || seedIds.has(id)) return;
          const score = r.scores[j]! * (0.5 + 0.5 * w);
          if (score > (best.get(id) ?? Number.NEGATIVE_INFINITY)) best.set(id, score);
        });
      });
      return [...best]
        .sort((a, b) => b[1] - a[1])
        .slice(0, quota)
        .map(([videoId, score]) => ({ videoId, score }));
    },
  };
}
