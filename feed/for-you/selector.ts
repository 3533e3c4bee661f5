import type { Selector } from './types.ts';

/** The first `limit` candidates of the reranked list. */
export const topSelector: Selector = {
  id: 'top',
  select(query, candidates) {
    return candidates.slice(0, query.limit);
  },
};
