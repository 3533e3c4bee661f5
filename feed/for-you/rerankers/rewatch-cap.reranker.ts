import { settingsOf } from '../../pipeline/settings.ts';
import { isReserve, lastShownMs, REWATCH_ID, REWATCH_SETTINGS } from '../reserve-policy.ts';
import type { Candidate, Reranker } from '../types.ts';

/**
 * The re-serve policy's cap (`reserve-policy.ts`): at most `max_per_page` re-served videos (the best
 * ranked) stay in the list a page is cut from; the others leave this request (a later page may take
 * the next one). A kept re-serve says in `explain` how long ago the viewer last saw it.
 */
export const rewatchCapReranker: Reranker = {
  id: 'rewatch_cap',
  settings: REWATCH_SETTINGS,
  rerank(query, candidates) {
    const { max_per_page: max } = settingsOf(query.settings, REWATCH_SETTINGS);
    const kept: Candidate[] = [];
    const removed: Candidate[] = [];
    let n = 0;
    for (const c of candidates) {
      if (!isReserve(c)) kept.push(c);
      else if (n < max) {
        n++;
        const last = lastShownMs(query, c.video.id);
        const ago = last === undefined ? 'unknown' : `${Math.round((query.nowMs - last) / 3_600_000)} h`;
        c.rules.push(`${REWATCH_ID}: re-served, last shown ${ago} ago`);
        kept.push(c);
      } else removed.push(c);
    }
    return { kept, removed };
  },
};
