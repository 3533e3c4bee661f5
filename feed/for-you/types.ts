/**
 * For You's and Following's query and candidate, and the framework's component types specialised to
 * them, so every component of these feeds is typed against one pair.
 */

import type { HistoryEntry } from '../../feature-store/ports.ts';
import type { CatalogVideo } from '../../retrieval/catalog.ts';
import type { RetrievalView } from '../../retrieval/service/ports.ts';
import type * as P from '../pipeline/types.ts';
import type { PipelineCandidate, PipelineQuery } from '../pipeline/types.ts';

export type { FilterResult, SourceHit } from '../pipeline/types.ts';

/** Which feed is asked for. */
export type FeedType = 'for_you' | 'following';

/** The experiment arm a request was bucketed into. */
/** What the viewer's engagement says about one hashtag: decayed affinity and recent impressions of it. */
export interface TopicEvidence {
  affinity: number;
  shown: number;
}

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
  /** Videos served to the viewer before, with when they were last served (the seen ledger, `reserve-policy.ts`). */
  seenAt: ReadonlyMap<string, number>;
  /** Recent watches, likes, skips and completes, oldest first. */
  history: HistoryEntry[];
  /** Tags chosen with POST /me/interests. */
  interests: string[];
  /** Tags the viewer's engagement favours (positive decayed tag affinity), strongest first. */
  learnedTags: string[];
  /** Per hashtag (lower case): the viewer's decayed affinity and recent impressions of it (`topic-bandit.ts`). */
  topicEvidence: ReadonlyMap<string, TopicEvidence>;
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
    seenAt: new Map(),
    history: [],
    interests: [],
    learnedTags: [],
    topicEvidence: new Map(),
  };
}

/** One feed request as the For You and Following pipelines see it. */
export interface FeedQuery extends PipelineQuery<ViewerContext> {
  feedType: FeedType;
  /** `u:<userId>` or `d:<deviceId>`: the feature-store key. */
  actor: string;
  userId?: string;
  nowMs: number;
  /**
   * The surface the request comes from, as the ranker's context features read it (KuaiRand's `tab` in
   * the offline replay); absent for the platform's feeds, whose events log no surface either.
   */
  surface?: number;
  /** The feed session (carried by the cursor); its served ids live in the Cache. */
  sessionId: string;
  /** Ids already served in this session. */
  sessionSeen: ReadonlySet<string>;
  arms: ArmAssignment[];
  /** The retrieval index version this request uses from start to end, even if a swap happens meanwhile. */
  index: RetrievalView | undefined;
}

/** Fresh per-request state of a video read from the metadata store (the catalogue may lag by seconds). */
export interface LiveVideoState {
  status: string;
  privacy: string;
  deleted: boolean;
  /** The moderation label (domain/access.ts). */
  moderation?: string;
  /** Whether the author's account is private (domain/access.ts). */
  authorPrivate: boolean;
}

/** A candidate video travelling through the pipeline, carrying why it is there. */
export interface Candidate extends PipelineCandidate {
  video: CatalogVideo;
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
  /** Times the author was served in the current hour (creator-exposure cap). */
  authorExposure?: number;
}

/** A new candidate for a catalogue video, before any source marked it. */
export function newCandidate(video: CatalogVideo): Candidate {
  return { video, sources: [], propensity: 1, score: 0, rules: [] };
}

export type QueryHydrator = P.QueryHydrator<FeedQuery>;
export type CandidateSource = P.CandidateSource<FeedQuery>;
export type CandidateHydrator = P.CandidateHydrator<FeedQuery, Candidate>;
export type PreRanker = P.PreRanker<FeedQuery, Candidate>;
export type Filter = P.Filter<FeedQuery, Candidate>;
export type Scorer = P.Scorer<FeedQuery, Candidate>;
export type Reranker = P.Reranker<FeedQuery, Candidate>;
export type Selector = P.Selector<FeedQuery, Candidate>;
export type SideEffect = P.SideEffect<FeedQuery, Candidate>;
export type PipelineConfig = P.PipelineConfig<FeedQuery, Candidate>;
export type PipelineResult = P.PipelineResult<Candidate>;
