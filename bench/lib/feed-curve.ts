/**
 * bench:feed's measured points against one listening server (one process or a cluster): a warm-up, the
 * closed-loop curve over the client levels, the SLO point and the saturated point picked from it, then
 * first pages only at the saturated concurrency, open loop at the SLO point's rate, open loop at twice
 * saturation, and the same server's static page (the machine's ceiling).
 */
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
