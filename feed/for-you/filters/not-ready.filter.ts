import type { Filter } from '../types.ts';
import { partition } from './partition.ts';

/** Drops videos that are no longer ready or were deleted since the catalogue last refreshed. */
export const notReadyFilter: Filter = {
  id: 'not_ready',
  apply(_query, candidates) {
    return partition(candidates, (c) => !c.live || (c.live.status === 'ready' && !c.live.deleted));
  },
};
