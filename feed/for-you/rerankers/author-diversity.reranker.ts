import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import type { Candidate, Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const AUTHOR_DIVERSITY_SETTINGS = slot(
  'rerankers.author_diversity',
  z.strictObject({ max_per_author: z.number().int().min(1).default(2) }),
);

/** At most `max_per_author` videos of one creator per page; the creator's lower-scored videos wait for later pages. */
export const authorDiversityReranker: Reranker = {
  id: 'author_diversity',
  settings: AUTHOR_DIVERSITY_SETTINGS,
  rerank(query, candidates) {
    const max = settingsOf(query.settings, AUTHOR_DIVERSITY_SETTINGS).max_per_author;
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
