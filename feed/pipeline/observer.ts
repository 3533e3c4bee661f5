/**
 * How a pipeline run reports what it did, so the host can time and count it (metrics, logs) while the
 * framework imports neither: `platform/feed/feed.telemetry.ts` implements this for the server.
 */

/** One component's part in one run. */
export interface ComponentRun {
  pipeline: string;
  /** The stage it ran in (`sources`, `hydrate`, `filter`, …; a filter also runs in `prerank`). */
  stage: string;
  component: string;
  requestId: string;
  ms: number;
  /** Present when it threw or timed out: the page went on without it. */
  failure?: { error: unknown; timedOut: boolean };
}

/** Told about every stage and component of every run. Implementations must not throw. */
export interface PipelineObserver {
  stage(pipeline: string, stage: string, ms: number): void;
  component(run: ComponentRun): void;
  /**
   * The scorer failed and the page was scored by `to`: the pipeline's fallback scorer, or
   * `retrieval-order` when that failed too.
   */
  fallback(pipeline: string, requestId: string, from: string, to: string): void;
}

/** An observer that ignores everything (replays, benchmarks, tests that do not look). */
export const ignoreRuns: PipelineObserver = {
  stage() {},
  component() {},
  fallback() {},
};
