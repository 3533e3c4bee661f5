import type { Candidate, Reranker } from '../types.ts';

/** At most `max_per_author` videos of one creator per page; the creator's lower-scored videos wait for later pages. */
export const authorDiversityReranker: Reranker = {
  id: 'author_diversity',
  rerank(query, candidates) {
    const max = query.settings.rerank.max_per_author;
    const count = new Map<string, number>();
    const kept: Candidate[] = [];
    const removed: Candidate[] = [];
    for (const c of candidates) {
      const n = count.get(c.video.authorId) ?? 0;
      if (n >= max) removed.push(c);
      else {
        count.set(c.video.authorId, n + 1);
        kept.push(c);
      }
    }
    return { kept, removed };
  },
};
