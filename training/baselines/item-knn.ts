import type { Dataset, Example } from '../data/schema.ts';
import type { RetrievalQuery } from '../models/types.ts';
import {
  type Artifact,
  bufferToF32,
  bufferToI32,
  f32ToBuffer,
  i32ToBuffer,
  type SaveableRetrieval,
} from './artifacts.ts';
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
export const DEFAULT_ITEM_KNN: ItemKnnConfig = {
  neighbours: 200,
  historyLength: 50,
  maxItemsPerUser: 100,
  shrinkage: 2,
};

/**
 * Item-to-item cosine similarity over users' positive sets (pre-period history included); a query
 * scores each video by the summed similarity to the user's recent history. Popularity breaks ties,
 * so users without history get the popular videos.
 */
export function itemKnn(
  ds: Dataset,
  fit: readonly Example[] = ds.train,
  cfg: Partial<ItemKnnConfig> = {},
): SaveableRetrieval {
  const c = { ...DEFAULT_ITEM_KNN, ...cfg };
  const nV = ds.videos.length;
  const lists = userPositives(ds, fit).map((l) => l.slice(-c.maxItemsPerUser));
  const itemUsers: number[][] = Array.from({ length: nV }, () => []);
  lists.forEach((l, u) => {
    for (const v of l) itemUsers[v]!.push(u);
  });
  // Neighbour lists in CSR form: the neighbours of i are idx[offsets[i]..offsets[i+1]).
  const offsets = new Int32Array(nV + 1);
  const idxParts: Int32Array[] = [];
  const simParts: Float32Array[] = [];
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
    idxParts.push(Int32Array.from(top, (x) => x.j));
    simParts.push(Float32Array.from(top, (x) => x.s));
    offsets[i + 1] = offsets[i]! + top.length;
  }
  const idx = new Int32Array(offsets[nV]!);
  const sim = new Float32Array(offsets[nV]!);
  idxParts.forEach((p, i) => {
    idx.set(p, offsets[i]!);
    sim.set(simParts[i]!, offsets[i]!);
  });
  const pop = positiveCounts(nV, fit);
  const maxPop = Math.max(1, ...pop);
  const tieBreak = Float32Array.from(pop, (p) => (1e-4 * p) / maxPop);
  return itemKnnFromNeighbours({ offsets, idx, sim, tieBreak }, c);
}

/** Neighbour lists (CSR) and popularity tie-breaks: everything an item-kNN model needs to score. */
export interface ItemKnnNeighbours {
  offsets: Int32Array;
  idx: Int32Array;
  sim: Float32Array;
  tieBreak: Float32Array;
}

/** An item-kNN model from saved neighbour lists. */
export function itemKnnFromNeighbours(n: ItemKnnNeighbours, cfg: ItemKnnConfig): SaveableRetrieval {
  return {
    name: 'item_knn',
    scoreAll(queries: readonly RetrievalQuery[]): Float32Array[] {
      return queries.map((q) => {
        const s = Float32Array.from(n.tieBreak);
        for (const h of new Set(q.history.slice(-cfg.historyLength))) {
          if (h < 0 || h >= n.tieBreak.length) continue;
          for (let k = n.offsets[h]!; k < n.offsets[h + 1]!; k++) s[n.idx[k]!] = s[n.idx[k]!]! + n.sim[k]!;
        }
        return s;
      });
    },
    artifact: (): Artifact => ({
      files: {
        'offsets.i32': i32ToBuffer(n.offsets),
        'neighbours.i32': i32ToBuffer(n.idx),
        'similarities.f32': f32ToBuffer(n.sim),
        'tiebreak.f32': f32ToBuffer(n.tieBreak),
      },
      dims: { videos: n.tieBreak.length },
      config: cfg,
    }),
  };
}

/** Rebuilds an item-kNN model from its artifact files. */
export function loadItemKnn(files: Record<string, Buffer>, cfg: ItemKnnConfig): SaveableRetrieval {
  const need = (f: string) => {
    const b = files[f];
    if (!b) throw new Error(`item_knn artifact: missing ${f}`);
    return b;
  };
  return itemKnnFromNeighbours(
    {
      offsets: bufferToI32(need('offsets.i32')),
      idx: bufferToI32(need('neighbours.i32')),
      sim: bufferToF32(need('similarities.f32')),
      tieBreak: bufferToF32(need('tiebreak.f32')),
    },
    cfg,
  );
}
