import { isReserve, wasShown } from '../reserve-policy.ts';
import type { Filter } from '../types.ts';
import { partition } from './partition.ts';

/**
 * Drops videos the viewer was shown before: served earlier in this session, among their recent
 * impressions, or in their seen ledger. A re-serve the rewatch source proposed under the re-serve
 * policy (`reserve-policy.ts`) stays, unless this session served it already.
 */
export const alreadySeenFilter: Filter = {
  id: 'already_seen',
  apply(query, candidates) {
    return partition(candidates, (c) =>
      isReserve(c) ? !query.sessionSeen.has(c.video.id) : !wasShown(query, c.video.id),
    );
  },
};
