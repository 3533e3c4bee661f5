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
  /** Weight of the blended popularity (decayed positives scaled to [0, 1]); 0 = popularity only breaks ties. */
  popularityWeight: number;
  /** Half-life of the blended popularity, in hours. */
  popularityHalfLifeHours: number;
}

/** Defaults sized for the KuaiRand slice. */
export const DEFAULT_ITEM_KNN: ItemKnnConfig = {
  neighbours: 200,
  historyLength: 50,
  maxItemsPerUser: 100,
  shrinkage: 2,
  popularityWeight: 0,
  popularityHalfLifeHours: 24,
};

/** The validation grid of `tunedItemKnn`. */
export const ITEM_KNN_GRID = {
  popularityWeight: [0, 0.1, 0.3, 1, 3],
  historyLength: [30, 100],
} as const;

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
  const nowMs = fit.at(-1)?.timeMs ?? 0;
  const decayed = positiveCounts(nV, fit, { halfLifeMs: c.popularityHalfLifeHours * 3_600_000, nowMs });
  const maxDecayed = Math.max(1e-9, ...decayed);
  const popularity = Float32Array.from(decayed, (p) => p / maxDecayed);
  return itemKnnFromNeighbours({ offsets, idx, sim, tieBreak, popularity }, c);
}

/**
 * Item-kNN with the history length and the popularity blend chosen on validation recall@100 (fit on
 * train); the neighbour lists are built once and only the query-time settings vary.
 */
export function tunedItemKnn(
  ds: Dataset,
  cfg: Partial<ItemKnnConfig> = {},
  evaluate: (m: SaveableRetrieval) => number,
): { model: SaveableRetrieval; chosen: Pick<ItemKnnConfig, 'popularityWeight' | 'historyLength'>; grid: unknown[] } {
  const base = itemKnn(ds, ds.train, cfg) as SaveableRetrieval & { neighbours: ItemKnnNeighbours };
  const c = { ...DEFAULT_ITEM_KNN, ...cfg };
  const grid: { popularityWeight: number; historyLength: number; recall_at_100: number }[] = [];
  for (const popularityWeight of ITEM_KNN_GRID.popularityWeight)
    for (const historyLength of ITEM_KNN_GRID.historyLength) {
      const m = itemKnnFromNeighbours(base.neighbours, { ...c, popularityWeight, historyLength });
      grid.push({ popularityWeight, historyLength, recall_at_100: evaluate(m) });
    }
  const best = grid.reduce((a, b) => (b.recall_at_100 > a.recall_at_100 ? b : a));
  const chosen = { popularityWeight: best.popularityWeight, historyLength: best.historyLength };
  return { model: itemKnnFromNeighbours(base.neighbours, { ...c, ...chosen }), chosen, grid };
}

/** Neighbour lists (CSR) and popularity tie-breaks: everything an item-kNN model needs to score. */
export interface ItemKnnNeighbours {
  offsets: Int32Array;
  idx: Int32Array;
  sim: Float32Array;
  tieBreak: Float32Array;
  /** Decayed popularity scaled to [0, 1], blended with `popularityWeight` (absent in older artifacts). */
  popularity?: Float32Array;
}

/** An item-kNN model from saved neighbour lists. */
export function itemKnnFromNeighbours(
  n: ItemKnnNeighbours,
  cfg: ItemKnnConfig,
): SaveableRetrieval & { neighbours: ItemKnnNeighbours } {
  const w = cfg.popularityWeight ?? 0;
  const prior = w > 0 && n.popularity ? Float32Array.from(n.tieBreak, (t, i) => t + w * n.popularity![i]!) : n.tieBreak;
  return {
    name: 'item_knn',
    neighbours: n,
    scoreAll(queries: readonly RetrievalQuery[]): Float32Array[] {
      return queries.map((q) => {
        const s = Float32Array.from(prior);
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
        ...(n.popularity ? { 'popularity.f32': f32ToBuffer(n.popularity) } : {}),
      },
      dims: { videos: n.tieBreak.length },
      config: cfg,
    }),
  };
}

/** Rebuilds an item-kNN model from its artifact files. */
export function loadItemKnn(files: Record<string, Buffer>, cfg: ItemKnnConfig): SaveableRetrieval {
  cfg = { ...DEFAULT_ITEM_KNN, ...cfg };
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
      ...(files['popularity.f32'] ? { popularity: bufferToF32(files['popularity.f32']) } : {}),
    },
    cfg,
  );
}
