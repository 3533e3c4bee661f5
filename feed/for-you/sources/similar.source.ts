import { z } from 'zod';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';
import { positiveSeeds } from './history.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const SIMILAR_SETTINGS = slot(
  'sources.similar',
  sourceBudgetSchema.extend({ seeds: z.number().int().min(1).max(50).default(5) }),
);

/**
 * Item-to-item: the nearest neighbours of the videos the viewer recently liked, completed or watched.
 * A neighbour reached from several seeds keeps its best weighted similarity. Neighbours depend on the
 * video, not the viewer: the index answers them from its neighbour table (see `snapshotView`).
 */
export function similarSource(): CandidateSource {
  return {
    id: 'similar',
    settings: SIMILAR_SETTINGS,
    async fetch(query, quota) {
      const s = query.index;
      if (!s) return [];
      const seeds = positiveSeeds(query.viewer.history, settingsOf(query.settings, SIMILAR_SETTINGS).seeds);
      if (seeds.length === 0) return [];
      const lists = await s.neighbours(
        seeds.map((x) => x.video),
        Math.ceil(quota / seeds.length) + 1,
      );
      const seedIds = new Set(seeds.map((x) => x.video));
      const best = new Map<string, number>();
      seeds.forEach((seed, i) => {
        const w = seed.weight / 3;
        for (const hit of lists[i] ?? []) {
          if (seedIds.has(hit.videoId)) continue;
          const score = hit.score * (0.5 + 0.5 * w);
          if (score > (best.get(hit.videoId) ?? Number.NEGATIVE_INFINITY)) best.set(hit.videoId, score);
        }
      });
      return [...best]
        .sort((a, b) => b[1] - a[1])
        .slice(0, quota)
        .map(([videoId, score]) => ({ videoId, score }));
    },
  };
}
