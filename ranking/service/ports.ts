import type { ModelStatus } from '../../core/telemetry/status.ts';
import type { PinnedRankers, RankerModel, RankerSource } from '../ranker-holder.ts';

/**
 * The ranking service: production's multi-task ranker and the versions experiment arms pin, each a
 * `RankerModel` (features in, heads out). In process by default; a separate process reached over HTTP
 * when `RANKING_URL` names one. Feature hydration stays with the feed: only rows cross the boundary.
 */
export interface Ranking extends RankerSource, PinnedRankers {
  /** Production's ranker, or undefined when none is loaded (the feed's fallback scorer serves). */
  current(): RankerModel | undefined;
  /** A pinned version once loaded; undefined while it loads (the caller serves production meanwhile). */
  get(version: string): RankerModel | undefined;
  model(): ModelStatus;
  start(): Promise<void>;
  close(): Promise<void>;
}
