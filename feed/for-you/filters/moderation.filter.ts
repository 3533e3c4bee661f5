import { recommendable } from '../../../domain/access.ts';
import type { Candidate, Filter } from '../types.ts';
import { partition } from './partition.ts';

/** The live label when hydrated (the page guard), else the catalogue's. */
const labelOf = (c: Candidate) => ({ moderation: c.live?.moderation ?? c.video.moderation });

/**
 * Drops videos a moderator removed since the catalogue last refreshed (the catalogue itself never holds
 * them): in every feed, like `canView`, which hides them from everyone.
 */
export const removedFilter: Filter = {
  id: 'removed',
  apply(_query, candidates) {
    return partition(candidates, (c) => labelOf(c).moderation !== 'removed');
  },
};

/**
 * Drops what may not be recommended (`recommendable`): videos `limited` by a moderator and videos
 * `held` past the report threshold pending review. For You only: followers still see them in Following.
 */
export const notRecommendableFilter: Filter = {
  id: 'not_recommendable',
  apply(_query, candidates) {
    return partition(candidates, (c) => recommendable(labelOf(c)));
  },
};
