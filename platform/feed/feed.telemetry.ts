import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import type { ReserveCounter } from '../../feed/for-you/side-effects/reserve-count.side-effect.ts';
import type { PipelineObserver } from '../../feed/pipeline/observer.ts';

/** Latency buckets for stages and components: sub-millisecond filters up to a slow source's timeout. */
const BUCKETS_S = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** Why a whole page came from the service's popular-and-recent fallback rather than the pipeline. */
export type PageFallbackReason = 'pipeline_error' | 'empty_page' | 'seen_exhausted' | 'cache_unavailable';

/** How the feed reports: the pipeline observer, page fallbacks, and parts of a response it did without. */
export interface FeedTelemetry {
  observer: PipelineObserver;
  pageFallback(pipeline: string, reason: PageFallbackReason, requestId: string, err: unknown): void;
  /** A part of the response (session set, authors, counters, likes) failed and a default was served. */
  failed(err: unknown, message: string, context: { requestId: string }): void;
}

/**
 * The feed's metrics (`foryou_feed_*`, labelled by pipeline and component id, never by viewer) and its
 * log lines (component `feed`, each failure with the request id). Every failure is also counted in
 * `foryou_errors_total{component="feed"}`.
 */
export function feedTelemetry(telemetry: Telemetry): FeedTelemetry {
  const feed = telemetry.component('feed');
  const stageSeconds = telemetry.histogram({
    name: 'foryou_feed_stage_duration_seconds',
    help: 'Time of each pipeline stage per feed request',
    labelNames: ['pipeline', 'stage'],
    buckets: BUCKETS_S,
  });
  const componentSeconds = telemetry.histogram({
    name: 'foryou_feed_component_duration_seconds',
    help: 'Time of each pipeline component (source, hydrator, filter, scorer, reranker, side effect) per run',
    labelNames: ['pipeline', 'component'],
    buckets: BUCKETS_S,
  });
  const componentErrors = telemetry.counter({
    name: 'foryou_feed_component_errors_total',
    help: 'Pipeline component runs that threw or timed out (the page was built without them)',
    labelNames: ['pipeline', 'component'],
  });
  const sourceTimeouts = telemetry.counter({
    name: 'foryou_feed_source_timeouts_total',
    help: 'Candidate sources that outlived their timeout_ms',
    labelNames: ['pipeline', 'source'],
  });
  const fallbacks = telemetry.counter({
    name: 'foryou_feed_fallbacks_total',
    help: 'Pages served by a fallback: scorer (the fallback scorer), retrieval_order (both scorers failed), pipeline_error, empty_page or cache_unavailable (the popular-and-recent page; the last while the cache circuit is open), seen_exhausted (ranked again without the seen ledger)',
    labelNames: ['pipeline', 'reason'],
  });
  // A page observes some thirty series: each one's child is looked up once, not its labels hashed per call.
  const stageChildren = new Map<string, { observe(v: number): void }>();
  const componentChildren = new Map<string, { observe(v: number): void }>();
  const child = (
    m: Map<string, { observe(v: number): void }>,
    a: string,
    b: string,
    make: () => { observe(v: number): void },
  ) => {
    const key = `${a}\u0000${b}`;
    let c = m.get(key);
    if (!c) {
      c = make();
      m.set(key, c);
    }
    return c;
  };
  return {
    observer: {
      stage(pipeline, stage, ms) {
        child(stageChildren, pipeline, stage, () => stageSeconds.labels({ pipeline, stage })).observe(ms / 1000);
      },
      component(run) {
        child(componentChildren, run.pipeline, run.component, () =>
          componentSeconds.labels({ pipeline: run.pipeline, component: run.component }),
        ).observe(run.ms / 1000);
        if (!run.failure) return;
        componentErrors.inc({ pipeline: run.pipeline, component: run.component });
        if (run.failure.timedOut) sourceTimeouts.inc({ pipeline: run.pipeline, source: run.component });
        feed.failed(
          run.failure.error,
          `${run.stage} ${run.component} ${run.failure.timedOut ? 'timed out' : 'failed'}; page built without it`,
          { pipeline: run.pipeline, stage: run.stage, requestId: run.requestId, ms: Math.round(run.ms) },
        );
      },
      fallback(pipeline, requestId, from, to) {
        fallbacks.inc({ pipeline, reason: to === 'retrieval-order' ? 'retrieval_order' : 'scorer' });
        feed.log.debug({ pipeline, requestId, from, to }, 'scored by a fallback');
      },
    },
    pageFallback(pipeline, reason, requestId, err) {
      fallbacks.inc({ pipeline, reason });
      feed.failed(err, `served the fallback page (${reason})`, { pipeline, requestId });
    },
    failed(err, message, context) {
      feed.failed(err, message, context);
    },
  };
}

/**
 * `foryou_feed_served_items_total{pipeline}` and `foryou_feed_reserved_items_total{pipeline}`: every
 * served item, and those that were re-serves of a video the viewer loved (the re-serve policy), so
 * the re-serve share is watched over time.
 */
export function reserveCounter(telemetry: Telemetry): ReserveCounter {
  const served = telemetry.counter({
    name: 'foryou_feed_served_items_total',
    help: 'Items served on feed pages',
    labelNames: ['pipeline'],
  });
  const reserved = telemetry.counter({
    name: 'foryou_feed_reserved_items_total',
    help: 'Served items that were re-serves of a video the viewer loved before (the re-serve policy)',
    labelNames: ['pipeline'],
  });
  return {
    count(pipeline, n, r) {
      served.inc({ pipeline }, n);
      if (r > 0) reserved.inc({ pipeline }, r);
    },
  };
}
