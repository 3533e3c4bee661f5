import type { Filter } from '../types.ts';
import { partition } from './partition.ts';

/** Drops videos marked "not interested" and every video of their creators. */
export const notInterestedFilter: Filter = {
  id: 'not_interested',
  apply(query, candidates) {
    const { notInterestedVideos, notInterestedAuthors } = query.viewer;
    return partition(
      candidates,
      (c) => !notInterestedVideos.has(c.video.id) && !notInterestedAuthors.has(c.video.authorId),
    );
  },
};
