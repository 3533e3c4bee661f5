/**
 * bench:feed's measured points against one listening server (one process or a cluster): a warm-up, the
 * closed-loop curve over the client levels, the SLO point and the saturated point picked from it, then
 * first pages only at the saturated concurrency, open loop at the SLO point's rate, open loop at twice
 * saturation, and the same server's static page (the machine's ceiling).
 */
import { median } from '../report.ts';
import { type LoadPoint, type LoadTarget, runLoad, showPoint } from './feed-points.ts';

export interface CurveResult {
  /** The highest-throughput closed-loop point whose p99 meets the SLO (else the lowest-p99 point). */
  headline: LoadPoint;
  meetsSlo: boolean;
  saturated: LoadPoint;
  curve: LoadPoint[];
  firstPageOnly: LoadPoint;
  openLoop: LoadPoint;
  overload: LoadPoint;
  ceiling: LoadPoint;
}

export async function measureCurve(
  set: string,
  target: LoadTarget,
  opts: { levels: readonly number[]; sloMs: number; aroundCurve?: () => Promise<() => Promise<void>> },
): Promise<CurveResult> {
  await runLoad(target, { concurrency: 2 }); // warm-up: JIT, caches, connection pools
  const curve: LoadPoint[] = [];
  const stop = (await opts.aroundCurve?.()) ?? (async () => {});
  for (const level of opts.levels) {
    const point = await runLoad(target, { concurrency: level });
    showPoint(set, `c=${level}`, point);
    curve.push(point);
  }
  await stop();
  const meeting = curve.filter((p) => p.p99_ms <= opts.sloMs && p.errors === 0 && p.shed === 0);
  const headline =
    meeting.length > 0
      ? meeting.reduce((a, b) => (b.rps > a.rps ? b : a))
      : curve.reduce((a, b) => (b.p99_ms < a.p99_ms ? b : a));
  const saturated = curve.reduce((a, b) => (b.rps > a.rps ? b : a));
  const firstPageOnly = await runLoad(target, { concurrency: saturated.concurrency, pagesPerSession: 1 });
  showPoint(set, `first pages only c=${saturated.concurrency}`, firstPageOnly);
  const openLoop = await runLoad(target, { concurrency: 256, rate: Math.max(1, Math.floor(headline.rps)) });
  showPoint(set, `open loop at ${Math.floor(headline.rps)}/s`, openLoop);
  const overload = await runLoad(target, { concurrency: 1024, rate: Math.max(2, Math.floor(2 * saturated.rps)) });
  showPoint(set, `open loop at 2x saturation (${Math.floor(2 * saturated.rps)}/s)`, overload);
  const ceiling = await runLoad(target, { concurrency: saturated.concurrency, path: '/api/v1/static-page' });
  showPoint(set, `static page c=${saturated.concurrency}`, ceiling);
  return { headline, meetsSlo: meeting.length > 0, saturated, curve, firstPageOnly, openLoop, overload, ceiling };
}

/** The figures every set reports from its curve, one process or a cluster (`results.<set>` in feed.json). */
export interface CurveSummary {
  /** The headline: the highest-throughput closed-loop point whose p99 meets the SLO (else the lowest-p99 point). */
  slo_point: { rps: number; p50_ms: number; p99_ms: number; concurrency: number; meets_slo: boolean };
  saturated: LoadPoint;
  curve: LoadPoint[];
  /** Open loop at the SLO point's rate. */
  open_loop: LoadPoint;
  /** Open loop at twice the saturated rate: goodput and shed requests. */
  overload: LoadPoint;
  /** The same server's static JSON page, closed loop at the saturated concurrency. */
  ceiling: LoadPoint;
  /** Closed loop at the saturated concurrency with one-page sessions: every request a cold first page. */
  first_page_only: LoadPoint;
  /** Median over the curve of the server's CPU per request (every API process, and a cluster's primary). */
  cpu_ms_per_request: number;
  /** Median over the curve of the load generator's share of the CPU it and the server used. */
  generator_cpu_share: number;
}

export function summariseCurve(c: CurveResult): CurveSummary {
  return {
    slo_point: {
      rps: c.headline.rps,
      p50_ms: c.headline.p50_ms,
      p99_ms: c.headline.p99_ms,
      concurrency: c.headline.concurrency,
      meets_slo: c.meetsSlo,
    },
    saturated: c.saturated,
    curve: c.curve,
    open_loop: c.openLoop,
    overload: c.overload,
    ceiling: c.ceiling,
    first_page_only: c.firstPageOnly,
    cpu_ms_per_request: median(c.curve.map((p) => p.cpu_ms_per_request)),
    generator_cpu_share: median(c.curve.map((p) => p.generator_cpu_share)),
  };
}
