import type { Filter } from '../types.ts';
import { candidateAccess } from './access.ts';
import { partition } from './partition.ts';

/**
 * Drops videos `canView` hides for their privacy: private ones from everyone but their owner,
 * friends-only ones from all but the owner and mutual followers (blocks are the blocked filter's).
 */
export const privacyFilter: Filter = {
  id: 'privacy',
  apply(query, candidates) {
    return partition(candidates, (c) => candidateAccess(query, c) !== 'hidden');
  },
};
