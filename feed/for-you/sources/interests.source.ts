import { type Catalog, popularity } from '../../../retrieval/catalog.ts';
import type { CandidateSource } from '../types.ts';

/**
 * For cold viewers (little history): videos tagged with the interests they picked, taking the most
 * popular of each tag in turn so every chosen tag is represented.
 */
export function interestsSource(catalog: Catalog): CandidateSource {
  return {
    id: 'interests',
    async fetch(query, quota) {
      const { interests, history } = query.viewer;
      if (interests.length === 0 || history.length > query.settings.sources.interests.cold_history_max) return [];
      // The newest 500 per tag bound the per-request sort on large tags.
      const lists = interests.map((t) =>
        catalog
          .byTag(t)
          .slice(0, 500)
          .sort((a, b) => popularity(b) - popularity(a)),
      );
      const seen = new Set<string>();
      const hits = [];
      for (let round = 0; hits.length < quota; round++) {
        let any = false;
        for (const list of lists) {
          const v = list[round];
          if (!v) continue;
          any = true;
          if (seen.has(v.id)) continue;
          seen.add(v.id);
          hits.push({ videoId: v.id, score: 1 / (1 + round) });
          if (hits.length >= quota) break;
        }
        if (!any) break;
      }
      return hits;
    },
  };
}
