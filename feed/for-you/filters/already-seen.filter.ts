import type { Filter } from '../types.ts';
import { partition } from './partition.ts';

/** Drops videos served earlier in this session or shown to the viewer recently (feature-store impressions). */
export const alreadySeenFilter: Filter = {
  id: 'already_seen',
  apply(query, candidates) {
    const { recentImpressions } = query.viewer;
    return partition(candidates, (c) => !query.sessionSeen.has(c.video.id) && !recentImpressions.has(c.video.id));
  },
};
