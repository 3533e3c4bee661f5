/**
 * The typed parts any feed is assembled from (home-mixer style): query hydrators, candidate sources,
 * candidate hydrators, a pre-ranker, filters, a scorer, rerankers, a selector and side effects. Each
 * part has an id; a pipeline config only lists parts. Filters and rerankers say what they kept and
 * what they removed. Generic over the query `Q` and the candidate `C` of a product.
 * @remarks Imports nothing of any product: For You lives in `feed/for-you/`.
 */
import type { SettingsSlot, SettingsTree } from './settings.ts';

/** What every product's query carries: its id, its bound settings, what hydrators learnt of the viewer. */
export interface PipelineQuery<V extends object = object> {
  requestId: string;
  /** Settings after the request's experiment arms were applied (bound, so every slot is present). */
  settings: SettingsTree;
  /** Filled by the query hydrators; every field needs an empty default so a failed hydrator degrades. */
  viewer: V;
  limit: number;
}

/** Where one source put a candidate. */
export interface SourceMark {
  source: string;
  /** 0-based rank in that source's answer. */
  rank: number;
  score: number;
}

/** What every product's candidate carries through the pipeline. */
export interface PipelineCandidate {
  /** Every source that proposed it. */
  sources: SourceMark[];
  /** 1 for deterministic picks; the exploration probability for random ones. */
  propensity: number;
  score: number;
  /** Rules that moved or placed it. */
  rules: string[];
}

/** A component with knobs declares where they live; the pipeline refuses to start without them. */
export interface Configurable {
  readonly id: string;
  readonly settings?: SettingsSlot<unknown>;
}

/** A source's answer for one item. */
export interface SourceHit {
  videoId: string;
  score: number;
  /** Probability this source picked the item at random (exploration); omitted when deterministic. */
  propensity?: number;
}

/** Learns something about the viewer before retrieval. */
export interface QueryHydrator<Q extends PipelineQuery> {
  readonly id: string;
  hydrate(query: Q): Promise<Partial<Q['viewer']>>;
}

/** Proposes up to `quota` items; its slot holds at least `quota` and `timeout_ms` (a `SourceBudget`). */
export interface CandidateSource<Q> extends Configurable {
  readonly settings: SettingsSlot<unknown>;
  fetch(query: Q, quota: number): Promise<SourceHit[]>;
  /**
   * What this request's hits and trace entry are called, when it depends on the request (a source
   * whose model is not loaded and that retrieves another way says so); `id` when absent. Settings,
   * stage timings and metrics keep `id`.
   */
  label?(query: Q): string;
}

/** Adds data to candidates in place. */
export interface CandidateHydrator<Q, C> {
  readonly id: string;
  hydrate(query: Q, candidates: C[]): Promise<void>;
}

/** What a filter or reranker kept (in order) and what it removed. */
export interface FilterResult<C> {
  kept: C[];
  removed: C[];
}

/**
 * Scores every retrieved candidate cheaply (no I/O per candidate) so that only the candidates it keeps,
 * after filtering, are hydrated and ranked.
 */
export interface PreRanker<Q, C> extends Configurable {
  score(query: Q, candidates: C[]): Promise<void>;
  /** The candidates worth ranking, best first. */
  keep(query: Q, candidates: C[]): C[];
}

/** Drops candidates the viewer must not or need not see; pure and synchronous. */
export interface Filter<Q, C> {
  readonly id: string;
  apply(query: Q, candidates: C[]): FilterResult<C>;
}

/** Sets `score` on every candidate. */
export interface Scorer<Q, C> extends Configurable {
  /** The model version recorded with the request's served items (the one that scored it). */
  version(query: Q): string;
  score(query: Q, candidates: C[]): Promise<void>;
}

/** Reorders (and may drop) scored candidates; records the rule on what it moved. */
export interface Reranker<Q, C> extends Configurable {
  rerank(query: Q, candidates: C[]): FilterResult<C>;
}

/** Picks the page from the reranked list. */
export interface Selector<Q, C> {
  readonly id: string;
  select(query: Q, candidates: C[]): C[];
}

/** Something done with the page once chosen. */
export interface SideEffect<Q, C> {
  readonly id: string;
  /** When true the response waits for it. */
  readonly blocking: boolean;
  run(query: Q, page: readonly C[], result: PipelineResult<C>): Promise<void>;
}

/** A pipeline is only a list of parts, plus how a source's item id becomes a candidate. */
export interface PipelineConfig<Q extends PipelineQuery, C extends PipelineCandidate> {
  readonly id: string;
  queryHydrators: readonly QueryHydrator<Q>[];
  sources: readonly CandidateSource<Q>[];
  /** A new candidate for an item id a source returned, or undefined to drop an id nobody knows. */
  candidate(videoId: string): C | undefined;
  /** The item id of a candidate (for traces and de-duplication). */
  idOf(candidate: C): string;
  /** When set: prior → filters → keep the best → hydrate → filters again (for hydrated data) → score. */
  preRanker?: PreRanker<Q, C>;
  hydrators: readonly CandidateHydrator<Q, C>[];
  filters: readonly Filter<Q, C>[];
  scorer: Scorer<Q, C>;
  /** Used when `scorer` throws or is not ready. */
  fallbackScorer: Scorer<Q, C>;
  rerankers: readonly Reranker<Q, C>[];
  selector: Selector<Q, C>;
  /**
   * A last check of only the selected page against fresh state: the hydrator reads it for the page, the
   * filters drop what fails, and the next candidates in order take the freed places.
   */
  pageGuard?: { hydrator: CandidateHydrator<Q, C>; filters: readonly Filter<Q, C>[] };
  sideEffects: readonly SideEffect<Q, C>[];
  /** When set, a viewer's scored list is kept and the next requests with the same key start from it. */
  scoredCache?: ScoredCache<Q, C>;
}

/**
 * Keeps a viewer's scored candidates (best first) so their next pages skip retrieval, hydration and
 * scoring: a hit re-runs only the filters (fresh viewer, session and catalogue state), the rerankers,
 * the selection with its live page guard, and the side effects. Only healthy runs are stored (no
 * source failed, the main scorer scored).
 */
export interface ScoredCache<Q, C> {
  readonly id: string;
  /**
   * The key of this request's scored list, from the hydrated query: it must change whenever something
   * the sources, hydrators or scorer read of the viewer changes. Undefined: neither read nor stored.
   */
  key(query: Q): string | undefined;
  /**
   * Fresh copies of the stored list (rerankers may mutate them) and the model version that scored it, or
   * undefined; a promise when the list may be in a cache shared with other processes.
   */
  get(
    key: string,
    query: Q,
  ): { scored: C[]; modelVersion: string } | undefined | Promise<{ scored: C[]; modelVersion: string } | undefined>;
  set(key: string, scored: readonly C[], query: Q, modelVersion: string): void;
}

/** Every settings slot a pipeline's components declare (what its settings tree must hold). */
export function slotsOf(p: PipelineConfig<PipelineQuery, PipelineCandidate>): SettingsSlot<unknown>[] {
  const parts: Configurable[] = [
    ...p.sources,
    ...(p.preRanker ? [p.preRanker] : []),
    p.scorer,
    p.fallbackScorer,
    ...p.rerankers,
  ];
  return parts.flatMap((c) => (c.settings ? [c.settings] : []));
}

/** How each source did. */
export interface SourceTrace {
  count: number;
  ms: number;
  error?: string;
}

/** Everything that happened while building one page. */
export interface PipelineTrace {
  /** Milliseconds per stage (`query_hydrate`, `sources`, `prerank`, `hydrate`, `filter`, `score`, `rerank`, `select`, `side_effects`). */
  stages: Record<string, number>;
  sources: Record<string, SourceTrace>;
  /** Ids removed, per filter or reranker id. */
  removed: Record<string, string[]>;
  /** Failures that degraded the page, by component id. */
  errors: { component: string; message: string }[];
  /** The scorer that produced the scores. */
  scorer: string;
  candidates: number;
  /** Candidates left after the pre-ranker's cut (all of them without a pre-ranker). */
  ranked?: number;
  /** `hit` when the page started from the viewer's stored scored list (no retrieval or scoring ran). */
  scoredCache?: 'hit' | 'miss';
}

/** The page and its trace. */
export interface PipelineResult<C> {
  page: C[];
  trace: PipelineTrace;
  modelVersion: string;
}
