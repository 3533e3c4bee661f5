import { z } from 'zod';
import type { Cache } from '../../../core/cache/ports.ts';
import type { Catalog } from '../../../retrieval/catalog.ts';
import { settingsOf, slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import { exposureKeys } from '../exposure.ts';
import type { CandidateSource } from '../types.ts';
import { globalList } from './global-list.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const FRESH_SETTINGS = slot(
  'sources.fresh',
  sourceBudgetSchema.extend({
    max_age_hours: z.number().positive().default(72),
    /** Serves a new video gets before it must earn its place through other sources. */
    exposure_budget: z.number().int().min(0).default(200),
  }),
);

/**
 * Cold-start exposure: recent uploads that have not yet used their serve budget, newest first, so each
 * new video is shown enough times for its engagement to be measured. The list is the same for every
 * viewer, so it is built once a second (`globalList`): a video may overshoot its budget by a second
 * of serves.
 */
export function freshSource(catalog: Catalog, cache: Cache, opts: { maxAgeMs?: number } = {}): CandidateSource {
  const list = globalList(async (key, nowMs) => {
    const [quota, maxAgeH, budget] = key.split(':').map(Number) as [number, number, number];
    const since = nowMs - maxAgeH * 3_600_000;
    const recent = [];
    for (const v of catalog.newest()) {
      if (v.createdAt < since || recent.length >= quota * 4) break;
      recent.push(v);
    }
    if (recent.length === 0) return [];
    const served = await cache.mget(recent.map((v) => exposureKeys.video(v.id)));
    const hits = [];
    for (let i = 0; i < recent.length && hits.length < quota; i++) {
      const n = Number(served[i] ?? 0);
      if (n < budget) hits.push({ videoId: recent[i]!.id, score: 1 - n / Math.max(1, budget) });
    }
    return hits;
  }, opts);
  return {
    id: 'fresh',
    settings: FRESH_SETTINGS,
    async fetch(query, quota) {
      const { max_age_hours: maxAgeH, exposure_budget: budget } = settingsOf(query.settings, FRESH_SETTINGS);
      return list(`${quota}:${maxAgeH}:${budget}`, query.nowMs, undefined);
    },
  };
}
