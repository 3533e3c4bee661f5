import type { Cache } from '../../../core/cache/ports.ts';
import { withTimeout } from '../../pipeline/runner.ts';
import { settingsOf } from '../../pipeline/settings.ts';
import { REWATCH_SETTINGS } from '../reserve-policy.ts';
import { seenLedgerKey } from '../side-effects/seen-ledger.side-effect.ts';
import type { QueryHydrator } from '../types.ts';

/**
 * The viewer's seen ledger: every video served to them (newest `seen_memory`) with when it was last
 * served. Bounded by the rewatch source's `timeout_ms`: a slow cache leaves the ledger empty for this
 * request (recent impressions and the session still filter), never holds the page.
 */
export function seenLedgerHydrator(cache: Cache): QueryHydrator {
  return {
    id: 'seen_ledger',
    async hydrate(query) {
      const { seen_memory: keep, timeout_ms: ms } = settingsOf(query.settings, REWATCH_SETTINGS);
      if (keep <= 0) return {};
      const entries = await withTimeout(cache.zRevRange(seenLedgerKey(query.actor), 0, keep - 1), 'seen_ledger', ms);
      return { seenAt: new Map(entries.map((e) => [e.member, e.score])) };
    },
  };
}
