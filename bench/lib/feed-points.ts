/**
 * One load run of bench:feed as a measured point: forks the load generator (`feed-load.ts`) so the
 * clients' HTTP work is billed neither to the server's loop nor its CPU, and bills the server process's
 * own CPU time per answered request.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { quantile } from '../report.ts';
import type { LoadJob, LoadResult } from './feed-load.ts';

/** One load run: closed loop at a number of clients, or open loop at a fixed rate. */
export interface LoadPoint {
  concurrency: number;
  /** Open loop: the offered rate (requests/s). */
  offered_rps?: number;
  /** Answered 200s per second (goodput). */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  requests: number;
  errors: number;
  shed: number;
  /** Server CPU (user + system; every API process of a cluster and its primary) per answered request, ms. */
  cpu_ms_per_request: number;
  /** The load generator's CPU (its clients and the churn writer, same cores) per answered request, ms. */
  generator_cpu_ms_per_request: number;
  /** The generator's share of the CPU the server and the generator spent together during the run. */
  generator_cpu_share: number;
  /** `serverCpuParts` per answered request, ms (included in `cpu_ms_per_request`). */
  cpu_ms_per_request_parts?: Record<string, number>;
  load_avg_1m: number;
}

/** What every run of one backend shares: the server, the viewers, the churn, the session length. */
export interface LoadTarget {
  base: string;
  tokens: string[];
  seconds: number;
  pagesPerSession: number;
  churn: LoadJob['churn'];
  /**
   * The server's cumulative CPU ms (user + system); default this process's own (the server runs in it).
   * A cluster adds its API processes'.
   */
  serverCpuMs?: () => number;
  /** Parts of the server's CPU reported apart (cumulative ms each), e.g. a cluster's primary. */
  serverCpuParts?: Record<string, () => number>;
  /** Closed-loop clients each on a connection of their own (`LoadJob.connectionPerClient`). */
  connectionPerClient?: boolean;
}

const ownCpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Runs the load generator once against `target` (the churn writer is off for the static page). */
export async function runLoad(
  target: LoadTarget,
  opts: { concurrency: number; rate?: number; path?: string; pagesPerSession?: number },
): Promise<LoadPoint> {
  const child = fork(new URL('./feed-load.ts', import.meta.url), { serialization: 'advanced' });
  const job: LoadJob = {
    base: target.base,
    tokens: target.tokens,
    concurrency: opts.concurrency,
    ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
    ...(opts.path ? { path: opts.path } : {}),
    seconds: target.seconds,
    pagesPerSession: opts.pagesPerSession ?? target.pagesPerSession,
    ...(target.connectionPerClient ? { connectionPerClient: true } : {}),
    churn: {
      ...target.churn,
      uploadsPerS: opts.path ? 0 : target.churn.uploadsPerS,
      countersPerS: opts.path ? 0 : target.churn.countersPerS,
    },
  };
  const serverCpuMs = target.serverCpuMs ?? ownCpuMs;
  const cpu0 = serverCpuMs();
  const parts = Object.entries(target.serverCpuParts ?? {});
  const parts0 = parts.map(([, read]) => read());
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
    child.send(job);
  });
  const cpuMs = serverCpuMs() - cpu0;
  const { latencies, errors, shed, elapsed } = result;
  const answered = Math.max(1, latencies.length);
  const partsMs = parts.map(([name, read], i) => [name, (read() - parts0[i]!) / answered] as const);
  return {
    concurrency: opts.concurrency,
    ...(opts.rate !== undefined ? { offered_rps: opts.rate } : {}),
    rps: latencies.length / elapsed,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    p999_ms: quantile(latencies, 0.999),
    requests: latencies.length,
    errors,
    shed,
    cpu_ms_per_request: cpuMs / answered,
    generator_cpu_ms_per_request: result.cpuMs / answered,
    generator_cpu_share: result.cpuMs / Math.max(1e-9, result.cpuMs + cpuMs),
    ...(parts.length > 0 ? { cpu_ms_per_request_parts: Object.fromEntries(partsMs) } : {}),
    load_avg_1m: +loadavg()[0]!.toFixed(2),
  };
}

/** One line per point while the benchmark runs. */
export function showPoint(set: string, label: string, p: LoadPoint): void {
  process.stdout.write(
    `  ${set} ${label}: ${p.rps.toFixed(0)} req/s, p50 ${p.p50_ms.toFixed(1)} ms, p99 ${p.p99_ms.toFixed(1)} ms, ` +
      `${p.cpu_ms_per_request.toFixed(2)} cpu-ms/req (generator ${p.generator_cpu_ms_per_request.toFixed(2)}), errors ${p.errors}, shed ${p.shed}, load ${p.load_avg_1m}\n`,
  );
}
