import type { AnnResult } from '../ann/ports.ts';
import type { IndexSnapshot } from '../index-holder.ts';
import { neighbourTableOf } from '../neighbour-table.ts';
import type { RetrievalHit, RetrievalView, RetrievalViewer } from './ports.ts';

/** Seeds averaged into a query when no trained query tower came with the index. */
const MEAN_SEEDS = 20;
/** How long a video's searched neighbour list is reused; a video added to the index meanwhile shows up after it. */
const NEIGHBOURS_TTL_MS = 60_000;
const NEIGHBOURS_MAX = 100_000;

const views = new WeakMap<IndexSnapshot, RetrievalView>();

/**
 * The in-process view of a snapshot: searches the ANN index in this process. One view per snapshot
 * (so its neighbour cache lives as long as the snapshot). Neighbours come from the snapshot's neighbour
 * table (searched once per snapshot by `NeighbourTableJob`); a video the table lacks (added since, or
 * no table yet) is searched and its list kept for a minute.
 * @remarks One search per seed, not a batch: a batched usearch search fans out to a thread pool, which
 * for a handful of queries costs ten times more CPU than the searches themselves.
 */
export function snapshotView(s: IndexSnapshot, now: () => number = () => performance.now()): RetrievalView {
  let v = views.get(s);
  if (!v) {
    v = createView(s, now);
    views.set(s, v);
  }
  return v;
}

function createView(s: IndexSnapshot, now: () => number): RetrievalView {
  // Keyed by index key × 1024 + k (k ≤ quota + 1, well under 1024).
  const cache = new Map<number, { at: number; result: AnnResult | { keys: Int32Array; scores: Float32Array } }>();
  const neighboursOf = (key: number, k: number) => {
    const row = neighbourTableOf(s)?.neighbours(key, k);
    if (row) return row;
    const t = now();
    const hit = cache.get(key * 1024 + k);
    if (hit && t - hit.at < NEIGHBOURS_TTL_MS) return hit.result;
    const result = s.index.search(s.vectors.row(key)!, k);
    if (cache.size >= NEIGHBOURS_MAX) cache.clear();
    cache.set(key * 1024 + k, { at: t, result });
    return result;
  };
  const hitsOf = (r: { keys: ArrayLike<number>; scores: ArrayLike<number> }): RetrievalHit[] => {
    const out: RetrievalHit[] = [];
    for (let i = 0; i < r.keys.length; i++) {
      const videoId = s.ids[r.keys[i]!];
      if (videoId !== undefined) out.push({ videoId, score: r.scores[i]! });
    }
    return out;
  };
  return {
    version: s.version,
    get size() {
      return s.ids.length;
    },
    get queryTower() {
      return s.query !== undefined;
    },
    async embed(viewer: RetrievalViewer) {
      if (s.query) {
        return s.query.embed({
          actor: viewer.actor,
          ...(viewer.userId ? { userId: viewer.userId } : {}),
          history: viewer.history,
          nowMs: viewer.nowMs,
        });
      }
      return historyMean(s, viewer.seeds.slice(0, MEAN_SEEDS));
    },
    async search(vector, k) {
      if (vector.length !== s.dims)
        throw new Error(`query has ${vector.length} dims, index ${s.version} has ${s.dims}`);
      return hitsOf(s.index.search(vector, k));
    },
    async neighbours(seeds, k) {
      return seeds.map((id) => {
        const key = s.keyOf.get(id);
        return key === undefined ? [] : hitsOf(neighboursOf(key, k));
      });
    },
    async affinities(vector, videoIds) {
      const { keyOf, vectors, dims } = s;
      return videoIds.map((id) => {
        const key = keyOf.get(id);
        const row = key === undefined ? undefined : vectors.row(key);
        if (!row) return undefined;
        let dot = 0;
        for (let j = 0; j < dims; j++) dot += vector[j]! * row[j]!;
        return dot;
      });
    },
  };
}

/** The weighted mean of the seeds' unit vectors, normalised; undefined when none is indexed. */
function historyMean(s: IndexSnapshot, seeds: readonly { video: string; weight: number }[]): Float32Array | undefined {
  const present = seeds.filter((x) => s.keyOf.has(x.video));
  if (present.length === 0) return undefined;
  const v = new Float32Array(s.dims);
  for (const { video, weight } of present) {
    const row = s.vectors.row(s.keyOf.get(video)!)!;
    for (let j = 0; j < s.dims; j++) v[j] = v[j]! + weight * row[j]!;
  }
  let n = 0;
  for (let j = 0; j < s.dims; j++) n += v[j]! ** 2;
  if (n === 0) return undefined;
  const inv = 1 / Math.sqrt(n);
  for (let j = 0; j < s.dims; j++) v[j] = v[j]! * inv;
  return v;
}
