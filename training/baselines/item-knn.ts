import type { Dataset, Example } from '../data/schema.ts';
import type { RetrievalModel, RetrievalQuery } from '../models/types.ts';
import { positiveCounts, userPositives } from './interactions.ts';

/** Item-kNN settings. */
export interface ItemKnnConfig {
  /** Neighbours kept per video. */
  neighbours: number;
  /** Most recent history items used per query. */
  historyLength: number;
  /** Last items per user counted for co-occurrence (bounds the quadratic cost). */
  maxItemsPerUser: number;
  /** Added to the cosine denominator so rare pairs count less. */
  shrinkage: number;
}

/** Defaults sized for the KuaiRand slice. */
export const DEFAULT_ITEM_KNN: ItemKnnConfig = { neighbours: 200, historyLength: 50, maxItemsPerUser: 100, shrinkage: 2 };

/**
 * Item-to-item cosine similarity over users' positive sets (pre-period history included); a query
 * scores each video by the summed similarity to the user's recent history. Popularity breaks ties,
 * so users without history get the popular videos.
 */
export function itemKnn(ds: Dataset, fit: readonly Example[] = ds.train, cfg: Partial<ItemKnnConfig> = {}): RetrievalModel {
  const c = { ...DEFAULT_ITEM_KNN, ...cfg };
  const nV = ds.videos.length;
  const lists = userPositives(ds, fit).map((l) => l.slice(-c.maxItemsPerUser));
  const itemUsers: number[][] = Array.from({ length: nV }, () => []);
  lists.forEach((l, u) => {
    for (const v of l) itemUsers[v]!.push(u);
  });
  const nbrIdx: Int32Array[] = new Array(nV);
  const nbrSim: Float32Array[] = new Array(nV);
  const co = new Float32Array(nV);
  const touched: number[] = [];
  for (let i = 0; i < nV; i++) {
    touched.length = 0;
    for (const u of itemUsers[i]!) {
      for (const j of lists[u]!) {
        if (j === i) continue;
        if (co[j] === 0) touched.push(j);
        co[j] = co[j]! + 1;
      }
    }
    const ni = itemUsers[i]!.length;
    const cand = touched.map((j) => ({ j, s: co[j]! / (Math.sqrt(ni * itemUsers[j]!.length) + c.shrinkage) }));
    for (const j of touched) co[j] = 0;
    cand.sort((a, b) => b.s - a.s || a.j - b.j);
    const top = cand.slice(0, c.neighbours);
    nbrIdx[i] = Int32Array.from(top, (x) => x.j);
    nbrSim[i] = Float32Array.from(top, (x) => x.s);
  }
  const pop = positiveCounts(nV, fit);
  const maxPop = Math.max(1, ...pop);
  const tieBreak = Float32Array.from(pop, (p) => (1e-4 * p) / maxPop);
  return {
    name: 'item_knn',
    scoreAll(queries: readonly RetrievalQuery[]): Float32Array[] {
      return queries.map((q) => {
        const s = Float32Array.from(tieBreak);
        for (const h of new Set(q.history.slice(-c.historyLength))) {
          const idx = nbrIdx[h];
          const sim = nbrSim[h];
          if (!idx || !sim) continue;
          for (let k = 0; k < idx.length; k++) s[idx[k]!] = s[idx[k]!]! + sim[k]!;
        }
        return s;
      });
    },
  };
}
