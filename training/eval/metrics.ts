/** Metric functions shared by retrieval and ranking evaluation; pure and checked against hand-computed values. */

/**
 * Indices of the `k` highest scores, best first; masked indices are skipped. Ties keep the lower index
 * first, so results are deterministic.
 */
export function topK(scores: ArrayLike<number>, k: number, mask?: ReadonlySet<number>): Int32Array {
  // A min-heap of the best k so far: O(n log k).
  const heapIdx = new Int32Array(k);
  const heapVal = new Float64Array(k);
  let size = 0;
  const worse = (va: number, ia: number, vb: number, ib: number) => va < vb || (va === vb && ia > ib);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(heapVal[l]!, heapIdx[l]!, heapVal[m]!, heapIdx[m]!)) m = l;
      if (r < size && worse(heapVal[r]!, heapIdx[r]!, heapVal[m]!, heapIdx[m]!)) m = r;
      if (m === i) return;
      [heapVal[i], heapVal[m]] = [heapVal[m]!, heapVal[i]!];
      [heapIdx[i], heapIdx[m]] = [heapIdx[m]!, heapIdx[i]!];
      i = m;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (mask?.has(i)) continue;
    const v = Number.isNaN(scores[i]!) ? Number.NEGATIVE_INFINITY : scores[i]!;
    if (size < k) {
      let j = size++;
      heapVal[j] = v;
      heapIdx[j] = i;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (!worse(heapVal[j]!, heapIdx[j]!, heapVal[p]!, heapIdx[p]!)) break;
        [heapVal[j], heapVal[p]] = [heapVal[p]!, heapVal[j]!];
        [heapIdx[j], heapIdx[p]] = [heapIdx[p]!, heapIdx[j]!];
        j = p;
      }
    } else if (worse(heapVal[0]!, heapIdx[0]!, v, i)) {
      heapVal[0] = v;
      heapIdx[0] = i;
      siftDown(0);
    }
  }
  const order = [...Array(size).keys()].sort((a, b) => heapVal[b]! - heapVal[a]! || heapIdx[a]! - heapIdx[b]!);
  return Int32Array.from(order, (j) => heapIdx[j]!);
}

/** Share of the positives found in the first k of `ranked`; 0 when there are no positives. */
export function recallAtK(ranked: ArrayLike<number>, positives: ReadonlySet<number>, k: number): number {
  if (positives.size === 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (positives.has(ranked[i]!)) hits++;
  return hits / positives.size;
}

/** Binary-relevance NDCG@k: DCG with 1/log2(rank+1) gains over the ideal DCG of min(k, |positives|) hits. */
export function ndcgAtK(ranked: ArrayLike<number>, positives: ReadonlySet<number>, k: number): number {
  if (positives.size === 0) return 0;
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (positives.has(ranked[i]!)) dcg += 1 / Math.log2(i + 2);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, positives.size); i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

/** 1 when any positive is in the first k, else 0. */
export function hitAtK(ranked: ArrayLike<number>, positives: ReadonlySet<number>, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (positives.has(ranked[i]!)) return 1;
  return 0;
}

/** ROC AUC by the rank-sum formula with tied scores sharing their average rank; NaN without both classes. */
export function auc(preds: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = preds.length;
  // A broken model (NaN weights) must be reported, not hang the tie loop below (NaN !== NaN).
  for (let i = 0; i < n; i++) if (!Number.isFinite(preds[i]!)) return Number.NaN;
  const order = [...Array(n).keys()].sort((a, b) => preds[a]! - preds[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && preds[order[j]!] === preds[order[i]!]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (labels[order[k]!]! > 0.5) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Per-group AUC averaged with impression-count weights, over groups holding both classes; NaN if none does. */
export function gauc(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: ArrayLike<number>,
): { value: number; groups: number; perGroup: { group: number[]; auc: number[]; weight: number[] } } {
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < preds.length; i++) {
    const g = byGroup.get(groups[i]!);
    if (g) g.push(i);
    else byGroup.set(groups[i]!, [i]);
  }
  let weighted = 0;
  let weight = 0;
  let used = 0;
  const perGroup = { group: [] as number[], auc: [] as number[], weight: [] as number[] };
  for (const [group, idx] of byGroup) {
    const a = auc(
      idx.map((i) => preds[i]!),
      idx.map((i) => labels[i]!),
    );
    if (Number.isNaN(a)) continue;
    weighted += a * idx.length;
    weight += idx.length;
    used++;
    perGroup.group.push(group);
    perGroup.auc.push(a);
    perGroup.weight.push(idx.length);
  }
  return { value: weight > 0 ? weighted / weight : Number.NaN, groups: used, perGroup };
}

/** Mean binary cross-entropy with predictions clipped to [1e-7, 1 - 1e-7]. */
export function logLoss(preds: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < preds.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, preds[i]!));
    s -= labels[i]! > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return s / Math.max(1, preds.length);
}

/** One bin of a reliability table. */
export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  meanObserved: number;
}

/** Mean predicted over mean observed (1 = calibrated on average) and a table of equal-width bins. */
export function calibration(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): { ratio: number; table: ReliabilityBin[] } {
  const table: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: 0,
    meanPredicted: 0,
    meanObserved: 0,
  }));
  let sp = 0;
  let sl = 0;
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i]!;
    sp += p;
    sl += labels[i]!;
    if (!Number.isFinite(p)) continue;
    const bin = table[Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))]!;
    bin.count++;
    bin.meanPredicted += p;
    bin.meanObserved += labels[i]!;
  }
  for (const b of table) {
    if (b.count > 0) {
      b.meanPredicted /= b.count;
      b.meanObserved /= b.count;
    }
  }
  return { ratio: sl > 0 ? sp / sl : Number.NaN, table };
}
