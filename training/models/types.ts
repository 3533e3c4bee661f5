import type { RankingHead } from '../../model-format/heads.ts';
import type { Dataset, Example } from '../data/schema.ts';

/** What a retrieval model is asked: a user at a moment, with the history known then. */
export interface RetrievalQuery {
  user: number;
  timeMs: number;
  /** Video indices the user engaged with before `timeMs`, oldest first (pre-period + earlier log). */
  history: readonly number[];
}

/**
 * A retrieval model or baseline as evaluation sees it: scores for every video of the catalogue.
 * @remarks Evaluation masks and ranks; models only score.
 */
export interface RetrievalModel {
  readonly name: string;
  /** One score per video (length `Dataset.videos.length`) for each query. */
  scoreAll(queries: readonly RetrievalQuery[]): Float32Array[];
}

/** Per-example context a ranker may use besides the example itself (point-in-time features). */
export interface RankingInput {
  example: Example;
  /** Dense features from the shared feature-definition module, computed as of `example.timeMs`. */
  features: Float32Array;
}

/** A ranking model or baseline: per-head predictions for a batch. */
export interface RankingModel {
  readonly name: string;
  readonly heads: readonly RankingHead[];
  predict(inputs: readonly RankingInput[]): Record<RankingHead, Float32Array>;
}

/** Progress callback for long training loops (CLI progress bars). */
export type OnProgress = (p: { phase: string; step: number; total: number; loss?: number }) => void;

/** A trainer of one model family. */
export interface Trainer<C, M> {
  readonly family: string;
  train(ds: Dataset, config: C, onProgress?: OnProgress): Promise<M>;
}
