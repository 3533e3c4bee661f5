import type { Filter } from '../types.ts';
import { candidateAccess } from './access.ts';
import { partition } from './partition.ts';

/** Drops videos of creators the viewer blocked or who blocked the viewer (`canView`'s block rule). */
export const blockedFilter: Filter = {
  id: 'blocked',
  apply(query, candidates) {
    return partition(candidates, (c) => candidateAccess(query, c) !== 'blocked');
  },
};
