import { longViewRates } from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import { type Catalog, type CatalogVideo, popularity } from '../../../retrieval/catalog.ts';

/** How long one tag's ranking is reused (ms of process time): rates move slowly, a request must not read 500 rows. */
export const TAG_RANKING_TTL_MS = 10_000;
/** The newest videos of a tag that are ranked (bounds the read on large tags). */
export const TAG_RANKING_DEPTH = 500;
/** Tags whose ranking is kept; beyond this the cache starts over. */
const CACHE_MAX = 10_000;

/** A tag's videos, best received first. */
export type TagRanking = (tag: string, nowMs: number) => Promise<readonly CatalogVideo[]>;

/**
 * Ranks a tag's videos (its newest `TAG_RANKING_DEPTH`) by how well they are received: the long-view
 * rate per impression shrunk to the global rate (`v_long_rate_7d`, one definition with the ranker's
 * feature), so a video seen by few counts as about average and a much-shown one by its own rate;
 * popularity breaks ties. Unlike popularity, which counts exposure, this finds the best of a topic
 * whoever was shown it. Each tag's ranking is reused for `ttlMs`; concurrent requests share one read.
 */
export function tagQualityRanking(
  catalog: Pick<Catalog, 'byTag'>,
  featureStore: Pick<FeatureStore, 'loadState'>,
  opts: { ttlMs?: number; now?: () => number } = {},
): TagRanking {
  const ttl = opts.ttlMs ?? TAG_RANKING_TTL_MS;
  const now = opts.now ?? (() => performance.now());
  const cache = new Map<string, { at: number; ranked: Promise<readonly CatalogVideo[]> }>();
  const rank = async (tag: string, nowMs: number) => {
    const videos = catalog.byTag(tag).slice(0, TAG_RANKING_DEPTH);
    const ids = videos.map((v) => v.id);
    const rates = longViewRates(await featureStore.loadState({ users: [], videos: ids }), ids, nowMs);
    return videos
      .map((v) => ({ v, r: rates.get(v.id) ?? 0 }))
      .sort((a, b) => b.r - a.r || popularity(b.v) - popularity(a.v))
      .map((x) => x.v);
  };
  return (tag, nowMs) => {
    const key = tag.toLowerCase();
    const t = now();
    const hit = cache.get(key);
    if (hit && t - hit.at < ttl) return hit.ranked;
    if (cache.size >= CACHE_MAX) cache.clear();
    const ranked = rank(key, nowMs);
    cache.set(key, { at: t, ranked });
    // A failed read is not kept: the next request tries again.
    ranked.catch(() => cache.get(key)?.ranked === ranked && cache.delete(key));
    return ranked;
  };
}
