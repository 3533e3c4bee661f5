/**
 * bench:feed's result shapes and printed tables: per backend set its SLO point, saturation, CPU and
 * memory; the curve of each; the in-process stage breakdown of the single-process sets; and what a
 * cluster's second API process buys beside the single process of the same backend.
 */
import { type MemoryMb, printTable } from '../report.ts';
import type { ClusterSetResult } from './feed-cluster.ts';
import type { CurveSummary } from './feed-curve.ts';

/** One load run's figures per backend. */
export interface SetResult extends CurveSummary {
  backend: string;
  /** Candidates the ranker scored per request (median of the explain sample). */
  ranked_per_request: number;
  /** ms from a like's 2xx until the viewer's next page was built with it (`lib/feed-probes.ts`). */
  like_to_next_page: { p50_ms: number; p99_ms: number; probes: number; stale_pages: number };
  /** ms from a new ready video's commit until it is in the catalogue and the index (p50 / max). */
  upload_servable_ms: { p50: number; max: number };
  catalog_refresh_ms: number;
  seed_s: number;
  index_build_s: number;
  /** Building the similar-items neighbour table after the index was installed (a background job). */
  neighbour_table_s: number;
  /**
   * Peak RSS of the server process while serving (after seeding and index build). In the single-process
   * sets that process also seeded the data and holds the benchmark's own arrays and clients, so it is
   * the API's plus that; the API alone is `api_process_peak_rss_mb` (from the cluster sets).
   */
  peak_rss_mb: number;
  /** After the load: where the memory is (V8 heap, external and array buffers, the rest native). */
  memory_mb: MemoryMb;
  /** Peak RSS of the whole run (seeding included). */
  peak_rss_run_mb: number;
  stages_ms: Record<string, number>;
  /** p99 ms of each stage over the same in-process first pages. */
  stages_p99_ms: Record<string, number>;
  /** Median ms of each candidate source (they run in parallel inside the `sources` stage). */
  sources_ms: Record<string, number>;
}

/** The single-process set a cluster set is compared with (same metadata store; the cluster's cache is Redis). */
const singleOf = (backend: string) => (backend.startsWith('postgres') ? 'postgres+redis' : 'sqlite+memory');

export function printFeedTables(opts: {
  results: readonly (SetResult | ClusterSetResult)[];
  single: readonly SetResult[];
  ceilingRps: number;
  sloMs: number;
  rankTopN: number;
  seconds: number;
}): void {
  const { results, single, ceilingRps } = opts;
  printTable(
    `For You, limit 10, trained query tower + ONNX ranker (${opts.rankTopN} ranked): the highest throughput with p99 ≤ ${opts.sloMs} ms`,
    results.map((r) => ({
      backend: r.backend,
      rps: r.slo_point.rps,
      p50_ms: r.slo_point.p50_ms,
      p99_ms: r.slo_point.p99_ms,
      clients: r.slo_point.concurrency,
      meets_slo: String(r.slo_point.meets_slo),
      saturated_rps: r.saturated.rps,
      saturated_p99_ms: r.saturated.p99_ms,
      of_ceiling: r.saturated.rps / ceilingRps,
      cpu_ms_req: r.cpu_ms_per_request,
      generator_share: r.generator_cpu_share,
      rss_mb: r.peak_rss_mb,
    })),
  );
  for (const r of results) {
    printTable(`${r.backend}: ${opts.seconds}s per level (curve, open loop, first pages only, overload, static page)`, [
      ...r.curve,
      { ...r.open_loop },
      { ...r.first_page_only },
      { ...r.overload },
      { ...r.ceiling },
    ]);
  }
  const clusters = results.filter((r): r is ClusterSetResult => 'processes' in r);
  printTable(
    'What the cluster buys: against the single process of the same metadata store',
    clusters.map((r) => {
      const one = single.find((s) => s.backend === singleOf(r.backend));
      return {
        backend: r.backend,
        vs: one?.backend ?? '-',
        slo_rps: r.slo_point.rps,
        slo_rps_x: one ? r.slo_point.rps / one.slo_point.rps : Number.NaN,
        saturated_rps: r.saturated.rps,
        saturated_x: one ? r.saturated.rps / one.saturated.rps : Number.NaN,
        first_pages_rps: r.first_page_only.rps,
        cpu_ms_req: r.cpu_ms_per_request,
        generator_share: r.generator_cpu_share,
        api_rss_mb: r.api_peak_rss_mb.join(' + '),
      };
    }),
  );
  printTable(
    'Median ms per stage (in-process, explain trace)',
    single.map((r) => ({ backend: r.backend, ranked: r.ranked_per_request, ...r.stages_ms })),
  );
  printTable(
    'p99 ms per stage (the same in-process first pages)',
    single.map((r) => ({ backend: r.backend, ...r.stages_p99_ms })),
  );
  printTable(
    'Median ms per candidate source (in parallel within `sources`)',
    single.map((r) => ({ backend: r.backend, ...r.sources_ms })),
  );
}
