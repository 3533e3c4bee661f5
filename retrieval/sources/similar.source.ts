import type { CandidateSource } from '../../ranking/pipeline/types.ts';
import { positiveSeeds } from './history.ts';

/**
 * Item-to-item: the nearest neighbours of the videos the viewer recently liked, completed or watched,
 * searched in one batch. A neighbour reached from several seeds keeps its best weighted similarity.
 */
export function similarSource(opts: {
  seeds: (query: Parameters<CandidateSource['fetch']>[0]) => number;
}): CandidateSource {
  return {
    id: 'similar',
    async fetch(query, quota) {
      const s = query.index;
      if (!s) return [];
      const seeds = positiveSeeds(query.viewer.history, opts.seeds(query)).filter((x) => s.keyOf.has(x.video));
      if (seeds.length === 0) return [];
      const batch = new Float32Array(seeds.length * s.dims);
      for (const [i, x] of seeds.entries()) batch.set(s.vectors[s.keyOf.get(x.video)!]!, i * s.dims);
      const per = Math.ceil(quota / seeds.length) + 1;
      const results = s.index.searchBatch(batch, per);
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
