/**
 * bench:feed's cluster sets (`embedded-cluster2`, `scaled-cluster2`): the API as a node cluster of N
 * processes sharing one listening port, as `API_PROCESSES=N` runs it. This process seeds the data and
 * is the cluster's primary (it accepts the connections and hands them to the API processes, round
 * robin); each API process (`feed-cluster-worker.ts`) loads the same models and index as the
 * single-process server. The load is the same as the single process's (`feed-curve.ts`); server CPU per
 * request is every API process's CPU plus the primary's, read from /proc.
 */
import cluster, { type Worker } from 'node:cluster';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_NODE_FLAGS, PROCESS_ENV } from '../../platform/api/process-env.ts';
import { rssSampler } from '../report.ts';
import type { ClusterWorkerInit, ClusterWorkerMessage, ClusterWorkerStats } from './feed-cluster-worker.ts';
import { type CurveSummary, measureCurve, summariseCurve } from './feed-curve.ts';
import type { LoadTarget } from './feed-points.ts';
import { benchFeedConfigDir } from './feed-server.ts';
import { prepareSet } from './feed-setup.ts';
import { ensureTrainedModels, type ServingModelsInfo } from './trained-models.ts';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = 100;

/** CPU ms (user + system) a process has used, from /proc/<pid>/stat; 0 once it is gone. */
function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) of stat(5); `fields` starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

function ownCpuMs(): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000;
}

interface ClusterServer {
  base: string;
  /** Seconds until the slowest API process listened (models, index and neighbour table loaded). */
  startS: number;
  /** Cumulative CPU ms of the primary (this process) and every API process. */
  cpuMs(): number;
  /** Cumulative CPU ms of the primary alone. */
  primaryCpuMs(): number;
  close(): Promise<ClusterWorkerStats[]>;
}

function message(worker: Worker, want: 'ready' | 'closed'): Promise<ClusterWorkerMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`an API process exited with ${code} before ${want}`));
    worker.once('exit', onExit);
    worker.on('message', function on(m: ClusterWorkerMessage) {
      if (!(want in m) && !('failed' in m)) return;
      worker.off('message', on);
      worker.off('exit', onExit);
      if ('failed' in m) reject(new Error(`an API process failed: ${m.failed}`));
      else resolve(m);
    });
  });
}

/** Forks `processes` API processes on one port and waits until every one listens. */
export async function startClusterServer(
  processes: number,
  init: ClusterWorkerInit,
  opts: { heapMb?: number; semiSpaceMb?: number } = {},
): Promise<ClusterServer> {
  // The API process's own flags first (as the Dockerfile starts it); the run's settings after, so they win.
  const v8Flags = [
    ...API_NODE_FLAGS,
    ...(opts.heapMb ? [`--max-old-space-size=${opts.heapMb}`] : []),
    ...(opts.semiSpaceMb ? [`--max-semi-space-size=${opts.semiSpaceMb}`] : []),
  ];
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./feed-cluster-worker.ts', import.meta.url)),
    serialization: 'advanced',
    // The set's child process already starts with the API's flags: pass each once.
    execArgv: [...process.execArgv.filter((f) => !v8Flags.includes(f)), ...v8Flags],
  });
  // The environment the platform's processes run with (the Dockerfile's and scripts/start.sh's).
  const workers = Array.from({ length: processes }, () => cluster.fork({ ...PROCESS_ENV }));
  const ready = workers.map((w) => message(w, 'ready'));
  for (const w of workers) w.send(init);
  const answers = await Promise.all(ready);
  const bases = answers.map((m) => ('ready' in m ? m.ready.base : ''));
  if (new Set(bases).size !== 1) throw new Error(`the API processes listen on different ports: ${bases.join(', ')}`);
  const pids = workers.map((w) => w.process.pid!);
  return {
    base: bases[0]!,
    startS: Math.max(...answers.map((m) => ('ready' in m ? m.ready.startS : 0))),
    cpuMs: () => ownCpuMs() + pids.reduce((sum, pid) => sum + procCpuMs(pid), 0),
    primaryCpuMs: ownCpuMs,
    async close() {
      const closed = workers.map((w) => message(w, 'closed'));
      for (const w of workers) w.send('close');
      const stats = (await Promise.all(closed)).map((m) => ('closed' in m ? m.closed : undefined)!);
      await Promise.all(workers.map((w) => (w.isDead() ? undefined : new Promise((r) => w.once('exit', r)))));
      return stats;
    },
  };
}

/** A cluster set's figures: the same load points as the single process's, memory per process. */
export interface ClusterSetResult extends CurveSummary {
  backend: string;
  processes: number;
  /** The API processes' `--max-old-space-size` (MB), when the run set one. */
  api_heap_mb: number | null;
  /** The API processes' `--max-semi-space-size` (MB), when the run set one. */
  api_semi_space_mb: number | null;
  seed_s: number;
  /** Until the slowest API process listened: ports, models, index, neighbour table. */
  api_start_s: number;
  /** Peak RSS of each API process while serving, and their sum. */
  api_peak_rss_mb: number[];
  peak_rss_mb: number;
  /** The primary's peak RSS while serving (it holds the seeding's data and accepts the connections). */
  primary_peak_rss_mb: number;
  /** Each API process after the load. */
  memory_mb: ClusterWorkerStats['memory_mb'][];
  /** Each API process's V8 heap still reachable after the load and a full GC. */
  live_heap_mb: number[];
  /** Each API process's V8 heap spaces after the load (before that GC): used / size, MB. */
  heap_spaces_mb: ClusterWorkerStats['heap_spaces_mb'][];
}

export async function runClusterSet(
  set: string,
  opts: {
    users: number;
    videos: number;
    maxInFlight: number;
    dims: number;
    rankTopN: number;
    levels: readonly number[];
    sloMs: number;
    /** The API processes' V8 old-space limit (`--max-old-space-size`); V8's default when unset. */
    heapMb?: number;
    /** The API processes' young-generation semi-space limit (`--max-semi-space-size`); V8's default when unset. */
    semiSpaceMb?: number;
    target: Omit<LoadTarget, 'base' | 'tokens' | 'churn' | 'serverCpuMs'> & {
      uploadsPerS: number;
      countersPerS: number;
      connectionPerClient: boolean;
    };
  },
): Promise<{ result: ClusterSetResult; models: ServingModelsInfo }> {
  const prepared = await prepareSet(set, opts);
  const { shape, users, videos } = prepared;
  const models = await ensureTrainedModels(users.length, videos.length, opts.dims);
  const feedConfigDir = benchFeedConfigDir(opts.rankTopN);
  const server = await startClusterServer(
    shape.processes,
    {
      env: prepared.env,
      featuresUrl: prepared.featuresUrl,
      userIds: users.map((u) => u.id),
      videoIds: videos.map((v) => v.id),
      dims: opts.dims,
      feedConfigDir,
    },
    {
      ...(opts.heapMb ? { heapMb: opts.heapMb } : {}),
      ...(opts.semiSpaceMb ? { semiSpaceMb: opts.semiSpaceMb } : {}),
    },
  );
  process.stdout.write(`  ${set}: ${shape.processes} API processes listening after ${server.startS.toFixed(1)} s\n`);
  const primaryRss = rssSampler();
  const target: LoadTarget = {
    base: server.base,
    tokens: users.map((u) => u.token),
    seconds: opts.target.seconds,
    pagesPerSession: opts.target.pagesPerSession,
    connectionPerClient: opts.target.connectionPerClient,
    churn: {
      metadataUrl: prepared.env.METADATA_URL!,
      authors: users.slice(0, 2000).map((u) => u.id),
      videoIds: videos.slice(0, 20_000).map((v) => v.id),
      uploadsPerS: opts.target.uploadsPerS,
      countersPerS: opts.target.countersPerS,
    },
    serverCpuMs: () => server.cpuMs(),
    serverCpuParts: { primary: () => server.primaryCpuMs() },
  };
  const c = await measureCurve(set, target, { levels: opts.levels, sloMs: opts.sloMs });
  const primaryPeak = primaryRss.stop();
  const stats = await server.close();
  await prepared.cleanup();
  rmSync(feedConfigDir, { recursive: true, force: true });
  const result: ClusterSetResult = {
    backend: shape.backend,
    processes: shape.processes,
    api_heap_mb: opts.heapMb ?? null,
    api_semi_space_mb: opts.semiSpaceMb ?? null,
    ...summariseCurve(c),
    seed_s: prepared.seedS,
    api_start_s: server.startS,
    api_peak_rss_mb: stats.map((s) => s.peak_rss_mb),
    peak_rss_mb: stats.reduce((sum, s) => sum + s.peak_rss_mb, 0),
    primary_peak_rss_mb: primaryPeak,
    memory_mb: stats.map((s) => s.memory_mb),
    live_heap_mb: stats.map((s) => s.live_heap_mb),
    heap_spaces_mb: stats.map((s) => s.heap_spaces_mb),
  };
  return { result, models };
}
