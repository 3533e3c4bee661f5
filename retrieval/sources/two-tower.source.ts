import type { CandidateSource } from '../../ranking/pipeline/types.ts';
import type { IndexSnapshot } from '../index-holder.ts';
import { positiveSeeds } from './history.ts';

/** Seeds averaged into a query when no trained query tower came with the index. */
const MEAN_SEEDS = 20;

/** The query vector: the snapshot's query tower, else the weighted mean of engaged videos' vectors. */
async function queryVector(
  s: IndexSnapshot,
  q: { actor: string; userId?: string; history: readonly { video: string; kind: string }[]; nowMs: number },
  history: Parameters<typeof positiveSeeds>[0],
): Promise<Float32Array | undefined> {
  if (s.query) {
    return s.query.embed({
      actor: q.actor,
      ...(q.userId ? { userId: q.userId } : {}),
      history: history.map((h) => h.video),
      nowMs: q.nowMs,
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
 * Two-tower retrieval: embeds the viewer (query tower over online features and recent history) and
 * searches the ANN snapshot the request holds. Viewers with nothing to embed get no candidates here.
 */
export const twoTowerSource: CandidateSource = {
  id: 'two_tower',
  async fetch(query, quota) {
    const s = query.index;
    if (!s) return [];
    const v = await queryVector(
      s,
      {
        actor: query.actor,
        ...(query.userId ? { userId: query.userId } : {}),
        history: query.viewer.history,
        nowMs: query.nowMs,
      },
      query.viewer.history,
    );
    if (!v) return [];
    const res = s.index.search(v, quota);
    const hits = [];
    for (let i = 0; i < res.keys.length; i++) {
      const id = s.ids[res.keys[i]!];
      if (id !== undefined) hits.push({ videoId: id, score: res.scores[i]! });
    }
    return hits;
  },
};
