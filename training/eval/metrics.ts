/** Metric functions shared by retrieval and ranking evaluation; pure and checked against hand-computed values. */

/** Scratch buffers of `topK`, grown as needed (one evaluation calls it thousands of times). */
let maskScratch = new Uint8Array(0);
let valScratch = new Float64Array(0);

/** The value of rank `k` (0-based, descending) among `a[0..n)`; reorders `a`. Hoare quickselect. */
function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Indices of the `k` highest scores, best first; masked indices are skipped; NaN counts as -Infinity.
 * Ties keep the lower index first, so results are deterministic. O(n): the k-th value by quickselect,
 * then the indices above it and, in index order, those equal to it.
 */
export function topK(scores: ArrayLike<number>, k: number, mask?: ReadonlySet<number>): Int32Array {
  const n = scores.length;
  if (maskScratch.length < n) maskScratch = new Uint8Array(n);
  if (valScratch.length < n) valScratch = new Float64Array(n);
  const masked = maskScratch;
  const vals = valScratch;
  if (mask) for (const i of mask) if (i >= 0 && i < n) masked[i] = 1;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (masked[i] === 1) continue;
    const v = scores[i] as number;
    vals[m++] = Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
  }
  const size = Math.min(k, m);
  const picked = new Int32Array(size);
  if (size > 0) {
    const threshold = kthLargest(vals, m, size - 1);
    let above = 0;
    for (let i = 0; i < n; i++) {
      if (masked[i] === 1) continue;
      const v = scores[i] as number;
      if ((Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v) > threshold) picked[above++] = i;
    }
    for (let i = 0, c = above; i < n && c < size; i++) {
      if (masked[i] === 1) continue;
      const v = scores[i] as number;
      if ((Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v) === threshold) picked[c++] = i;
    }
  }
  if (mask) for (const i of mask) if (i >= 0 && i < n) masked[i] = 0;
  const val = (i: number) => {
    const v = scores[i] as number;
    return Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
  };
  return Int32Array.from([...picked].sort((a, b) => val(b) - val(a) || a - b));
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
