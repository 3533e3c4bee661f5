import type { IndexSnapshot } from '../../retrieval/index-holder.ts';
import { positiveSeeds } from './sources/history.ts';
import type { FeedQuery } from './types.ts';

/** Seeds averaged into a query when no trained query tower came with the index. */
const MEAN_SEEDS = 20;

const memo = new WeakMap<FeedQuery, Promise<Float32Array | undefined>>();

/** The viewer's vector in the index's space: the query tower, else the weighted mean of engaged videos. */
async function embed(s: IndexSnapshot, query: FeedQuery): Promise<Float32Array | undefined> {
  const history = query.viewer.history;
  if (s.query) {
    return s.query.embed({
      actor: query.actor,
      ...(query.userId ? { userId: query.userId } : {}),
      history: history.map((h) => h.video),
      nowMs: query.nowMs,
    });
  }
  const seeds = positiveSeeds(history, MEAN_SEEDS).filter((x) => s.keyOf.has(x.video));
  if (seeds.length === 0) return undefined;
  const v = new Float32Array(s.dims);
  for (const { video, weight } of seeds) {
    const row = s.vectors[s.keyOf.get(video)!]!;
    for (let j = 0; j < s.dims; j++) v[j] = v[j]! + weight * row[j]!;
  }
  let n = 0;
  for (let j = 0; j < s.dims; j++) n += v[j]! ** 2;
  if (n === 0) return undefined;
  const inv = 1 / Math.sqrt(n);
  for (let j = 0; j < s.dims; j++) v[j] = v[j]! * inv;
  return v;
}

/**
 * The request's query vector, computed once per request (the two-tower source searches with it and
 * the retrieval prior scores every candidate with it). Undefined without an index or anything to embed.
 * @remarks Call after the query hydrators: it reads the viewer's history.
 */
export function queryVectorOf(query: FeedQuery): Promise<Float32Array | undefined> {
  let p = memo.get(query);
  if (!p) {
    const s = query.index;
    p = s ? embed(s, query) : Promise.resolve(undefined);
    memo.set(query, p);
  }
  return p;
}

/** Dot product of the query vector with video `id`'s unit vector; undefined when the index lacks it. */
export function affinityOf(s: IndexSnapshot, q: Float32Array, id: string): number | undefined {
  const key = s.keyOf.get(id);
  const row = key === undefined ? undefined : s.vectors[key];
  if (!row) return undefined;
  let dot = 0;
  for (let j = 0; j < s.dims; j++) dot += q[j]! * row[j]!;
  return dot;
}
