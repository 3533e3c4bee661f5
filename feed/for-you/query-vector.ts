import { positiveSeeds } from './sources/history.ts';
import type { FeedQuery } from './types.ts';

/** Seeds averaged into a query when no trained query tower came with the index. */
const MEAN_SEEDS = 20;

const memo = new WeakMap<FeedQuery, Promise<Float32Array | undefined>>();

/**
 * The request's query vector, computed once per request (the two-tower source searches with it and
 * the retrieval prior scores every candidate with it): the index's query tower over the viewer's
 * history, else the weighted mean of their engaged videos. Undefined without an index or anything to
 * embed.
 * @remarks Call after the query hydrators: it reads the viewer's history.
 */
export function queryVectorOf(query: FeedQuery): Promise<Float32Array | undefined> {
  let p = memo.get(query);
  if (!p) {
    const s = query.index;
    const history = query.viewer.history;
    p = s
      ? s.embed({
          actor: query.actor,
          ...(query.userId ? { userId: query.userId } : {}),
          history: history.map((h) => h.video),
          seeds: positiveSeeds(history, MEAN_SEEDS),
          nowMs: query.nowMs,
        })
      : Promise.resolve(undefined);
    memo.set(query, p);
  }
  return p;
}
