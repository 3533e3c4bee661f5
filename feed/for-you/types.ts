/**
 * The typed parts a feed is assembled from (home-mixer style): query hydrators, candidate sources,
 * candidate hydrators, filters, a scorer, rerankers, a selector and side effects. Each part has an id;
 * a pipeline config only lists parts. Filters and rerankers say what they kept and what they removed.
 */
import type { HistoryEntry } from '../../feature-store/ports.ts';
import type { CatalogVideo } from '../../retrieval/catalog.ts';
import type { IndexSnapshot } from '../../retrieval/index-holder.ts';
import type { FeedSettings } from './config.ts';

/** Which feed is asked for. */
export type FeedType = 'for_you' | 'following';

/** The experiment arm a request was bucketed into. */
export interface ArmAssignment {
  experiment: string;
  arm: string;
}

/** What the query hydrators learn about the viewer; every field has an empty default so a failed hydrator degrades. */
export interface ViewerContext {
  /** Users the viewer follows. */
  following: Set<string>;
  /** Followees who follow back (the "friends" of friends-only videos). */
  friends: Set<string>;
  /** Authors the viewer blocked or who blocked the viewer. */
  blockedAuthors: Set<string>;
  notInterestedVideos: Set<string>;
  notInterestedAuthors: Set<string>;
  /** Videos recently shown to the viewer (feature-store impressions). */
  recentImpressions: Set<string>;
  /** Recent watches, likes, skips and completes, oldest first. */
  history: HistoryEntry[];
  /** Tags chosen with POST /me/interests. */
  interests: string[];
}

/** An empty viewer context (anonymous, or every hydrator failed). */
export function emptyViewer(): ViewerContext {
  return {
    following: new Set(),
    friends: new Set(),
    blockedAuthors: new Set(),
    notInterestedVideos: new Set(),
    notInterestedAuthors: new Set(),
    recentImpressions: new Set(),
    history: [],
    interests: [],
  };
}

/** One feed request as the pipeline sees it. */
export interface FeedQuery {
  requestId: string;
  feedType: FeedType;
  /** `u:<userId>` or `d:<deviceId>`: the feature-store key. */
  actor: string;
  userId?: string;
  limit: number;
  nowMs: number;
  /** The feed session (carried by the cursor); its served ids live in the Cache. */
  sessionId: string;
  /** Ids already served in this session. */
  sessionSeen: ReadonlySet<string>;
  /** Quotas, weights and knobs after the request's experiment arms were applied. */
  settings: FeedSettings;
  arms: ArmAssignment[];
  /** The ANN snapshot this request uses from start to end, even if a swap happens meanwhile. */
  index: IndexSnapshot | undefined;
  viewer: ViewerContext;
}

/** A source's answer for one video. */
export interface SourceHit {
  videoId: string;
  score: number;
  /** Probability this source picked the video at random (exploration); omitted when deterministic. */
  propensity?: number;
}

/** Fresh per-request state of a video read from the metadata store (the catalogue may lag by seconds). */
export interface LiveVideoState {
  status: string;
  privacy: string;
  deleted: boolean;
}

/** A candidate video travelling through the pipeline, carrying why it is there. */
export interface Candidate {
  video: CatalogVideo;
  /** Every source that proposed it, with its rank (0-based) and score there. */
  sources: { source: string; rank: number; score: number }[];
  /** 1 for deterministic picks; the exploration probability for random ones. */
  propensity: number;
  live?: LiveVideoState;
  /** Retrieval prior (a logit): how likely retrieval thinks the viewer picks this video at all. */
  prior?: number;
  /** Cosine of the viewer's query vector and the video's vector, when both exist. */
  affinity?: number;
  /** Dense ranker features (`FEATURE_NAMES` order). */
  features?: Float32Array;
  /** Per-head predictions of the ranker. */
  heads?: Record<string, number>;
  /** Value-model terms (weight × head). */
  valueTerms?: Record<string, number>;
  score: number;
  /** Rules that moved or placed it (freshness boost, exploration slot…). */
  rules: string[];
  /** Times the author was served in the current hour (creator-exposure cap). */
  authorExposure?: number;
}

/** Learns something about the viewer before retrieval. */
export interface QueryHydrator {
  readonly id: string;
  hydrate(query: FeedQuery): Promise<Partial<ViewerContext>>;
}

/** Proposes up to `quota` videos. */
export interface CandidateSource {
  readonly id: string;
  fetch(query: FeedQuery, quota: number): Promise<SourceHit[]>;
}

/** Adds data to candidates in place (features, live state, exposure counts). */
export interface CandidateHydrator {
  readonly id: string;
  hydrate(query: FeedQuery, candidates: Candidate[]): Promise<void>;
}

/** What a filter or reranker kept (in order) and what it removed. */
export interface FilterResult {
  kept: Candidate[];
  removed: Candidate[];
}

/**
 * Scores every retrieved candidate cheaply (no I/O per candidate) so that only the candidates it keeps,
 * after filtering, are hydrated and ranked.
 */
export interface PreRanker {
  readonly id: string;
  /** Sets `prior` on every candidate. */
  score(query: FeedQuery, candidates: Candidate[]): Promise<void>;
  /** The candidates worth ranking, best prior first. */
  keep(query: FeedQuery, candidates: Candidate[]): Candidate[];
}

/** Drops candidates the viewer must not or need not see; pure and synchronous. */
export interface Filter {
  readonly id: string;
  apply(query: FeedQuery, candidates: Candidate[]): FilterResult;
}

/** Sets `score` (and heads/value terms) on every candidate. */
export interface Scorer {
  readonly id: string;
  /** The model version recorded with served items. */
  version(): string;
  score(query: FeedQuery, candidates: Candidate[]): Promise<void>;
}

/** Reorders (and may drop) scored candidates; records the rule on what it moved. */
export interface Reranker {
  readonly id: string;
  rerank(query: FeedQuery, candidates: Candidate[]): FilterResult;
}

/** Picks the page from the reranked list. */
export interface Selector {
  readonly id: string;
  select(query: FeedQuery, candidates: Candidate[]): Candidate[];
}

/** Something done with the page once chosen: serve log, session seen set, exposure counters. */
export interface SideEffect {
  readonly id: string;
  /** When true the response waits for it (the session seen set must exist before the next page). */
  readonly blocking: boolean;
  run(query: FeedQuery, page: readonly Candidate[], result: PipelineResult): Promise<void>;
}

/** A pipeline is only a list of parts. */
export interface PipelineConfig {
  readonly id: string;
  queryHydrators: readonly QueryHydrator[];
  sources: readonly CandidateSource[];
  /** When set: prior → filters → keep the best → hydrate → filters again (for hydrated data) → score. */
  preRanker?: PreRanker;
  hydrators: readonly CandidateHydrator[];
  filters: readonly Filter[];
  scorer: Scorer;
  /** Used when `scorer` throws or is not ready. */
  fallbackScorer: Scorer;
  rerankers: readonly Reranker[];
  selector: Selector;
  /**
   * A last check of only the selected page against fresh state (status, privacy, deletion): the
   * hydrator reads it for the page, the filters drop what fails, and the next candidates in order
   * take the freed places (checked the same way).
   */
  pageGuard?: { hydrator: CandidateHydrator; filters: readonly Filter[] };
  sideEffects: readonly SideEffect[];
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
}

/** The page and its trace. */
export interface PipelineResult {
  page: Candidate[];
  trace: PipelineTrace;
  modelVersion: string;
  indexVersion: string;
}
