import { longViewRates } from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import { type Catalog, type CatalogVideo, popularity } from '../../../retrieval/catalog.ts';
import { globalList } from './global-list.ts';

/** How long one tag's ranking is shared (ms of request time): rates move slowly, a request must not read 500 rows. */
export const TAG_RANKING_MAX_AGE_MS = 10_000;
/** The newest videos of a tag that are ranked (bounds the read on large tags). */
export const TAG_RANKING_DEPTH = 500;

/** A tag's videos, best received first. */
export type TagRanking = (tag: string, nowMs: number) => Promise<readonly CatalogVideo[]>;

/**
 * Ranks a tag's videos (its newest `TAG_RANKING_DEPTH`) by how well they are received: the long-view
 * rate per impression shrunk to the global rate (`v_long_rate_7d`, one definition with the ranker's
 * feature), so a video seen by few counts as about average and a much-shown one by its own rate;
 * popularity breaks ties. Unlike popularity, which counts exposure, this finds the best of a topic
 * whoever was shown it. The ranking is the same for every viewer, so it is a `globalList`: built at
 * most once per `maxAgeMs` of request time per tag, concurrent requests sharing one read.
 */
export function tagQualityRanking(
  catalog: Pick<Catalog, 'byTag'>,
  featureStore: Pick<FeatureStore, 'loadState'>,
  opts: { maxAgeMs?: number } = {},
): TagRanking {
  const ranked = globalList(
    async (tag, nowMs) => {
      const videos = catalog.byTag(tag).slice(0, TAG_RANKING_DEPTH);
      const ids = videos.map((v) => v.id);
      const rates = longViewRates(await featureStore.loadState({ users: [], videos: ids }), ids, nowMs);
      return videos
        .map((v) => ({ v, r: rates.get(v.id) ?? 0 }))
        .sort((a, b) => b.r - a.r || popularity(b.v) - popularity(a.v))
        .map((x) => x.v) as readonly CatalogVideo[];
    },
    { maxAgeMs: opts.maxAgeMs ?? TAG_RANKING_MAX_AGE_MS },
  );
  return (tag, nowMs) => ranked(tag.toLowerCase(), nowMs, undefined);
}
