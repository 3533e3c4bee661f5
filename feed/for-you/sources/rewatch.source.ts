import type { Catalog } from '../../../retrieval/catalog.ts';
import { settingsOf } from '../../pipeline/settings.ts';
import { dryTags, lovedVideos, REWATCH_ID, REWATCH_SETTINGS, spacedEnough } from '../reserve-policy.ts';
import type { CandidateSource } from '../types.ts';

export { REWATCH_SETTINGS } from '../reserve-policy.ts';

/**
 * The re-serve half of the exhausted-topic policy (`reserve-policy.ts`): the viewer's loved videos
 * (liked or watched to the end, not taken back by a later skip or "not interested"), newest love
 * first, once last shown `min_gap_hours` ago or more, and (with `dry_below` > 0) only of a hashtag
 * the viewer loves that has run dry: fewer than `dry_below` of its videos never shown to them. While a
 * loved topic still has unseen videos nothing is re-served: those come first. Re-served items carry
 * this source in `explain` and the serve log, and are counted (`foryou_feed_reserved_items_total`).
 */
export function rewatchSource(catalog: Catalog): CandidateSource {
  return {
    id: REWATCH_ID,
    settings: REWATCH_SETTINGS,
    async fetch(query, quota) {
      if (quota <= 0) return [];
      const { dry_below: dryBelow } = settingsOf(query.settings, REWATCH_SETTINGS);
      const isDry = dryTags(query, catalog);
      const hits: { videoId: string; score: number }[] = [];
      for (const { video, lovedAtMs } of lovedVideos(query)) {
        if (hits.length >= quota) break;
        if (!spacedEnough(query, video, lovedAtMs)) continue;
        const v = catalog.get(video);
        if (!v || (dryBelow > 0 && !v.hashtags.some(isDry))) continue;
        hits.push({ videoId: video, score: 1 / (1 + hits.length) });
      }
      return hits;
    },
  };
}
