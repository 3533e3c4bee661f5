import type { Filter } from '../types.ts';
import { partition } from './partition.ts';

/**
 * Public videos for everyone; private ones only for their owner; friends-only ones for the owner and
 * mutual followers. Uses the live privacy when hydrated, else the catalogue's.
 */
export const privacyFilter: Filter = {
  id: 'privacy',
  apply(query, candidates) {
    return partition(candidates, (c) => {
      const privacy = c.live?.privacy ?? c.video.privacy;
      const owner = query.userId !== undefined && query.userId === c.video.authorId;
      if (privacy === 'public') return true;
      if (privacy === 'friends') return owner || query.viewer.friends.has(c.video.authorId);
      return owner;
    });
  },
};
