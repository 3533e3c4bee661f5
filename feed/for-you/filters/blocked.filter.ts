import type { Filter } from '../types.ts';
import { partition } from './partition.ts';

/** Drops videos of creators the viewer blocked or who blocked the viewer. */
export const blockedFilter: Filter = {
  id: 'blocked',
  apply(query, candidates) {
    return partition(candidates, (c) => !query.viewer.blockedAuthors.has(c.video.authorId));
  },
};
