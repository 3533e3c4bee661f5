import type { IndexStatus, ModelStatus } from '../../core/telemetry/status.ts';

/** One retrieved video and its inner product with the query (cosine on unit vectors). */
export interface RetrievalHit {
  videoId: string;
  score: number;
}

/** What the retrieval index needs to know of a viewer to embed them. */
export interface RetrievalViewer {
  actor: string;
  userId?: string;
  /** Engaged video ids, oldest first (the query tower's input). */
  history: readonly string[];
  /** Positively engaged videos with their weights, newest first (the history mean, without a query tower). */
  seeds: readonly { video: string; weight: number }[];
  nowMs: number;
}

/**
 * One index version as a feed request uses it from start to end, wherever the index lives. Everything
 * a vector search does for the feed goes through here; the vectors themselves never leave the index.
 * @remarks No filtering: the feed's filters run after retrieval, on a larger k.
 */
export interface RetrievalView {
  readonly version: string;
  /** Videos in the index now (it grows with uploads between builds); over HTTP, as of the last poll. */
  readonly size: number;
  /** Whether a trained query tower came with the index (else viewers are the mean of their engaged videos). */
  readonly queryTower: boolean;
  /** The viewer's query vector; undefined when there is nothing to embed. */
  embed(viewer: RetrievalViewer): Promise<Float32Array | undefined>;
  /** The `k` videos nearest `vector`, best first. */
  search(vector: Float32Array, k: number): Promise<RetrievalHit[]>;
  /** The `k` nearest videos of each seed video (the seed itself included, as a search answers); [] for a seed not indexed. */
  neighbours(seeds: readonly string[], k: number): Promise<RetrievalHit[][]>;
  /** `vector`'s inner product with each video; undefined where the index lacks the video. */
  affinities(vector: Float32Array, videoIds: readonly string[]): Promise<(number | undefined)[]>;
}

/**
 * The retrieval service: the serving ANN index (production's two-tower, else a content index kept up
 * to date with uploads) and the versions experiment arms pin. In process by default; a separate
 * process reached over HTTP when `RETRIEVAL_URL` names one.
 */
export interface Retrieval {
  /**
   * The view a request uses: the pinned version once loaded (production until then), or undefined when
   * there is no index at all. Synchronous: the feed reads it once per request.
   */
  view(pinnedVersion?: string | null): RetrievalView | undefined;
  /** The serving index's size and age, and the retrieval model the service follows (the operator page). */
  index(): IndexStatus | undefined;
  model(): ModelStatus;
  start(): Promise<void>;
  close(): Promise<void>;
}
