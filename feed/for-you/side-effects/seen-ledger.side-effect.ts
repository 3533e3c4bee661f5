import type { Cache } from '../../../core/cache/ports.ts';
import { settingsOf } from '../../pipeline/settings.ts';
import { REWATCH_SETTINGS } from '../reserve-policy.ts';
import type { SideEffect } from '../types.ts';

/**
 * The Cache sorted set of what a viewer was served (member video id, score the time it was last served).
 * @remarks Bounded per viewer by `seen_memory`, and in time by `seen_ttl_hours` after the viewer's last
 * page (so the in-process cache may evict it under its memory bound, as Redis's `volatile-lru` does);
 * losing it only lets old videos come back, as before it existed.
 */
export const seenLedgerKey = (actor: string) => `feed:seen:${actor}`;

/** Records the page in the viewer's seen ledger (newest `seen_memory` kept), after the answer. */
export function seenLedgerSideEffect(cache: Cache): SideEffect {
  return {
    id: 'seen_ledger',
    blocking: false,
    async run(query, page) {
      const { seen_memory: keep, seen_ttl_hours: hours } = settingsOf(query.settings, REWATCH_SETTINGS);
      if (page.length === 0 || keep <= 0) return;
      const key = seenLedgerKey(query.actor);
      await cache.zAdd(
        key,
        page.map((c) => ({ member: c.video.id, score: query.nowMs })),
        hours * 3_600_000,
      );
      // Trimming sorts the set: done when it may have outgrown the bound by a page or more.
      if (query.viewer.seenAt.size + page.length > keep) await cache.zTrimTop(key, keep);
    },
  };
}
