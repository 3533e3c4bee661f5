import { z } from 'zod';
import type { IndexSnapshot } from '../../../retrieval/index-holder.ts';
import { neighbourTableOf } from '../../../retrieval/neighbour-table.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

import { positiveSeeds } from './history.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const SIMILAR_SETTINGS = slot(
  'sources.similar',
  sourceBudgetSchema.extend({ seeds: z.number().int().min(1).max(50).default(5) }),
);

/** A seed's neighbours, best first: a neighbour-table row or a search result. */
interface NeighbourList {
  keys: ArrayLike<number>;
  scores: ArrayLike<number>;
}

/** How long a video's neighbour list is reused; a video added to the index meanwhile shows up after it. */
const NEIGHBOURS_TTL_MS = 60_000;
const NEIGHBOURS_MAX = 100_000;

/**
 * Item-to-item: the nearest neighbours of the videos the viewer recently liked, completed or watched.
 * A neighbour reached from several seeds keeps its best weighted similarity.
 * Neighbours depend on the video, not the viewer: they come from the snapshot's neighbour table (searched
 * once per snapshot by `NeighbourTableJob`); a video the table lacks (added since, or no table yet) is
 * searched and its list kept per snapshot for a minute.
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
  // Keyed by index key × 1024 + k (k ≤ quota + 1, well under 1024).
  const cache = new WeakMap<IndexSnapshot, Map<number, { at: number; result: NeighbourList }>>();
  /** The first `k` neighbours of `video`: from the snapshot's neighbour table, else searched (and kept a minute). */
  const neighbours = (s: IndexSnapshot, key: number, k: number): NeighbourList => {
    const row = neighbourTableOf(s)?.neighbours(key, k);
    if (row) return row;
    let m = cache.get(s);
    if (!m) {
      m = new Map();
      cache.set(s, m);
    }
    const t = now();
    const hit = m.get(key * 1024 + k);
    if (hit && t - hit.at < NEIGHBOURS_TTL_MS) return hit.result;
    const result = s.index.search(s.vectors[key]!, k);
    if (m.size >= NEIGHBOURS_MAX) m.clear();
    m.set(key * 1024 + k, { at: t, result });
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
      const seedKeys = new Set(seeds.map((x) => s.keyOf.get(x.video)!));
      // By index key, not id: no string hashing per neighbour.
      const best = new Map<number, number>();
      for (const seed of seeds) {
        const r = neighbours(s, s.keyOf.get(seed.video)!, per);
        const w = seed.weight / 3;
        for (let j = 0; j < r.keys.length; j++) {
          const key = r.keys[j]!;
          if (key < 0 || seedKeys.has(key)) continue;
          const score = r.scores[j]! * (0.5 + 0.5 * w);
          if (score > (best.get(key) ?? Number.NEGATIVE_INFINITY)) best.set(key, score);
        }
      }
      const out: { videoId: string; score: number }[] = [];
      for (const [key, score] of [...best].sort((a, b) => b[1] - a[1])) {
        const videoId = s.ids[key];
        if (videoId === undefined) continue;
        out.push({ videoId, score });
        if (out.length === quota) break;
      }
      return out;
    },
  };
}
