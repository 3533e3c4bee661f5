import type { Cache } from '../../../core/cache/ports.ts';
import { exposureKeys } from '../exposure.ts';
import type { CandidateHydrator } from '../types.ts';

/** How often each candidate's creator was served this hour (for the creator-exposure cap). */
export function exposureHydrator(cache: Cache): CandidateHydrator {
  return {
    id: 'exposure',
    async hydrate(query, candidates) {
      const authors = [...new Set(candidates.map((c) => c.video.authorId))];
      const counts = await cache.mget(authors.map((a) => exposureKeys.authorHour(a, query.nowMs)));
      const byAuthor = new Map(authors.map((a, i) => [a, Number(counts[i] ?? 0)]));
      for (const c of candidates) c.authorExposure = byAuthor.get(c.video.authorId) ?? 0;
    },
  };
}
