import type { Dataset, Example } from '../data/schema.ts';
import type { RetrievalModel, RetrievalQuery } from '../models/types.ts';
import { hitAtK, ndcgAtK, recallAtK, topK } from './metrics.ts';

/**
 * Retrieval evaluation protocol (kept in one place so every model is judged the same way):
 * - A positive is an impression with long_view = 1 or like = 1.
 * - One query per user with at least one positive in the evaluated period, asked at the period start;
 *   its targets are all the user's positives in the period.
 * - History = pre-period long-view and like sequences, then the user's positives before the period
 *   (train, plus validation when evaluating test), oldest first.
 * - Exclusion mirrors serving: the videos the user was shown in the logged days before the period
 *   (train, plus validation when evaluating test) are what the feed's already-seen filter removes, so
 *   they are masked from the ranking and dropped from the targets. The pre-period history
 *   (04-08..04-24) is model input only. Users left without targets are dropped.
 * - Secondary, labelled "history-masked": the older protocol that also masks every pre-period
 *   history video; reported beside the primary figures, never instead of them.
 * - Cold users have no impression before the period (no train+val impression for test); cold-video
 *   metrics count only positives on videos that have no train impression.
 */
export function isPositive(ex: Example): boolean {
  return ex.labels.longView === 1 || ex.labels.like === 1;
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

/** One evaluation query with its targets. */
export interface RetrievalCase {
  query: RetrievalQuery;
  positives: Set<number>;
  coldPositives: Set<number>;
  mask: Set<number>;
  /** The secondary protocol: `mask` plus the pre-period history, and the positives left by it. */
  historyMask: Set<number>;
  historyMaskedPositives: Set<number>;
  coldUser: boolean;
}

/** The queries of a period, built by the protocol above. */
export function buildRetrievalCases(ds: Dataset, period: 'validation' | 'test'): RetrievalCase[] {
  const before = period === 'test' ? [...ds.train, ...ds.validation] : ds.train;
  const target = period === 'test' ? ds.test : ds.validation;
  const startMs = target[0]?.timeMs ?? 0;
  const seenUsers = new Set(before.map((e) => e.user));
  const trainVideos = new Set(ds.train.map((e) => e.video));
  const seen = new Map<number, Set<number>>();
  const history = new Map<number, number[]>();
  for (const ex of before) {
    getOr(seen, ex.user, () => new Set()).add(ex.video);
    if (isPositive(ex)) getOr(history, ex.user, () => []).push(ex.video);
  }
  const targets = new Map<number, Set<number>>();
  for (const ex of target) {
    if (isPositive(ex)) getOr(targets, ex.user, () => new Set()).add(ex.video);
  }
  const cases: RetrievalCase[] = [];
  for (const [user, pos] of [...targets].sort((a, b) => a[0] - b[0])) {
    const row = ds.users[user]!;
    const mask = seen.get(user) ?? new Set<number>();
    const positives = new Set([...pos].filter((v) => !mask.has(v)));
    if (positives.size === 0) continue;
    const historyMask = new Set([...row.historyWatch, ...row.historyLong, ...row.historyLike, ...mask]);
    const pre = [...new Set([...row.historyLong, ...row.historyLike])];
    cases.push({
      query: { user, timeMs: startMs, history: [...pre, ...(history.get(user) ?? [])] },
      positives,
      coldPositives: new Set([...positives].filter((v) => !trainVideos.has(v))),
      mask,
      historyMask,
      historyMaskedPositives: new Set([...positives].filter((v) => !historyMask.has(v))),
      coldUser: !seenUsers.has(user),
    });
  }
  return cases;
}

/** Mean metrics of a group of queries. */
export interface RetrievalMetrics {
  queries: number;
  recall_at_50: number;
  recall_at_100: number;
  recall_at_200: number;
  ndcg_at_10: number;
  ndcg_at_50: number;
  hit_rate_at_50: number;
}

/** A model's retrieval results: overall, by user temperature, on cold videos, and the recall curve. */
export interface RetrievalResult {
  model: string;
  overall: RetrievalMetrics;
  warmUsers: RetrievalMetrics;
  coldUsers: RetrievalMetrics;
  /** Only queries with positives on videos unseen in train, scoring only those positives. */
  coldVideos: RetrievalMetrics;
  /** Distinct videos in all top-100 lists over the catalogue size. */
  coverage_at_100: number;
  /** recall@K for K = 10, 20, …, 200. */
  recallCurve: { k: number; recall: number }[];
  /** Secondary protocol (pre-period history masked too), over the queries it leaves with targets. */
  historyMasked: RetrievalMetrics;
  /** Per query, in case order (users ascending): what paired bootstrap intervals are computed from. */
  perQuery: { users: number[]; recall_at_100: number[]; ndcg_at_10: number[] };
}

const CURVE_KS = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
const MAX_K = 200;

function metricsOf(ranked: Int32Array, positives: Set<number>): Omit<RetrievalMetrics, 'queries'> {
  return {
    recall_at_50: recallAtK(ranked, positives, 50),
    recall_at_100: recallAtK(ranked, positives, 100),
    recall_at_200: recallAtK(ranked, positives, 200),
    ndcg_at_10: ndcgAtK(ranked, positives, 10),
    ndcg_at_50: ndcgAtK(ranked, positives, 50),
    hit_rate_at_50: hitAtK(ranked, positives, 50),
  };
}

class Mean {
  n = 0;
  sums: Record<string, number> = {};
  add(m: Record<string, number>): void {
    this.n++;
    for (const [k, v] of Object.entries(m)) this.sums[k] = (this.sums[k] ?? 0) + v;
  }
  result(): RetrievalMetrics {
    const keys = ['recall_at_50', 'recall_at_100', 'recall_at_200', 'ndcg_at_10', 'ndcg_at_50', 'hit_rate_at_50'];
    return {
      queries: this.n,
      ...Object.fromEntries(keys.map((k) => [k, this.n > 0 ? (this.sums[k] ?? 0) / this.n : 0])),
    } as RetrievalMetrics;
  }
}

/** Scores every case with the model (in batches, to bound memory) and aggregates the metrics. */
export function evaluateRetrieval(
  model: RetrievalModel,
  cases: readonly RetrievalCase[],
  catalogueSize: number,
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): RetrievalResult {
  const batchSize = opts.batchSize ?? 256;
  const overall = new Mean();
  const warm = new Mean();
  const cold = new Mean();
  const coldVideos = new Mean();
  const covered = new Set<number>();
  const curve = new Float64Array(CURVE_KS.length);
  const historyMasked = new Mean();
  const perQuery: RetrievalResult['perQuery'] = { users: [], recall_at_100: [], ndcg_at_10: [] };
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize);
    const scores = model.scoreAll(batch.map((c) => c.query));
    batch.forEach((c, i) => {
      const s = scores[i]!;
      if (s.length !== catalogueSize) {
        throw new Error(`${model.name}: scoreAll returned ${s.length} scores, expected ${catalogueSize}`);
      }
      const ranked = topK(s, MAX_K, c.mask);
      const m = metricsOf(ranked, c.positives);
      overall.add(m);
      perQuery.users.push(c.query.user);
      perQuery.recall_at_100.push(m.recall_at_100);
      perQuery.ndcg_at_10.push(m.ndcg_at_10);
      if (c.historyMaskedPositives.size > 0)
        historyMasked.add(metricsOf(topK(s, MAX_K, c.historyMask), c.historyMaskedPositives));
      (c.coldUser ? cold : warm).add(m);
      if (c.coldPositives.size > 0) coldVideos.add(metricsOf(ranked, c.coldPositives));
      for (let j = 0; j < Math.min(100, ranked.length); j++) covered.add(ranked[j]!);
      CURVE_KS.forEach((k, j) => {
        curve[j] = curve[j]! + recallAtK(ranked, c.positives, k);
      });
    });
    opts.onProgress?.(Math.min(cases.length, start + batchSize), cases.length);
  }
  return {
    model: model.name,
    overall: overall.result(),
    warmUsers: warm.result(),
    coldUsers: cold.result(),
    coldVideos: coldVideos.result(),
    coverage_at_100: covered.size / Math.max(1, catalogueSize),
    recallCurve: CURVE_KS.map((k, j) => ({ k, recall: cases.length > 0 ? curve[j]! / cases.length : 0 })),
    historyMasked: historyMasked.result(),
    perQuery,
  };
}
