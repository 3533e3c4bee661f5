import { z } from 'zod';
import type { Catalog } from '../../../retrieval/catalog.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const REWATCH_SETTINGS = slot(
  'sources.rewatch',
  sourceBudgetSchema.extend({
    /** A loved video comes back no sooner than this after the like or the long view. */
    min_age_hours: z.number().min(0).default(24),
    /** A hashtag counts as run dry when fewer of its videos than this are left unshown. */
    dry_below: z.number().int().min(0).default(10),
  }),
);

/**
 * The exhausted-topic policy's second half: when a hashtag the viewer loves has run dry (fewer than
 * `dry_below` of its videos not among the viewer's recent impressions or this session's), the
 * viewer's own liked or long-viewed videos of that hashtag come back, newest love first, once they are
 * `min_age_hours` old. While a loved topic still has unseen videos nothing is re-served: those come
 * first. Re-served items carry this source in the serve log, so how often it happens is measured.
 */
export function rewatchSource(catalog: Catalog): CandidateSource {
  return {
    id: 'rewatch',
    settings: REWATCH_SETTINGS,
    async fetch(query, quota) {
      if (quota <= 0) return [];
      const { min_age_hours: minAgeH, dry_below: dryBelow } = settingsOf(query.settings, REWATCH_SETTINGS);
      const { history, recentImpressions } = query.viewer;
      const shown = (id: string) => recentImpressions.has(id) || query.sessionSeen.has(id);
      const before = query.nowMs - minAgeH * 3_600_000;
      const dry = new Map<string, boolean>();
      const isDry = (tag: string) => {
        let d = dry.get(tag);
        if (d === undefined) {
          let unseen = 0;
          for (const v of catalog.byTag(tag).slice(0, 500)) if (!shown(v.id) && ++unseen >= dryBelow) break;
          d = unseen < dryBelow;
          dry.set(tag, d);
        }
        return d;
      };
      const hits: { videoId: string; score: number }[] = [];
      const taken = new Set<string>();
      for (let i = history.length - 1; i >= 0 && hits.length < quota; i--) {
        const h = history[i]!;
        if ((h.kind !== 'like' && h.kind !== 'complete') || h.timeMs > before || taken.has(h.video) || shown(h.video))
          continue;
        const v = catalog.get(h.video);
        if (!v?.hashtags.some(isDry)) continue;
        taken.add(h.video);
        hits.push({ videoId: h.video, score: 1 / (1 + hits.length) });
      }
      return hits;
    },
  };
}
