import { findExecutable, runProcess } from './child-process.ts';

/** One ffmpeg run: input options are fixed here, output options come from a plan (ladder or thumbnails). */
export interface FfmpegJob {
  /** Absolute path of a local input file. */
  input: string;
  /** Demuxer forced on the input (`mov`, `matroska`, `avi`): never let ffmpeg guess on untrusted files. */
  demuxer: string;
  outputArgs: readonly string[];
  timeoutMs: number;
  /** Address-space cap in bytes (via prlimit when installed). */
  memoryBytes?: number;
  /** Input seek before decoding, seconds. */
  seekS?: number;
  /** Called with the output time reached, in seconds. */
  onProgress?: (outTimeS: number) => void;
  signal?: AbortSignal;
  /** Called with ffmpeg's process id once it started. */
  onSpawn?: (pid: number) => void;
}

/** What one successful run cost. */
export interface FfmpegStats {
  wallMs: number;
  /** User + system CPU seconds ffmpeg reported for itself (`-benchmark`); undefined when not reported. */
  cpuS: number | undefined;
  maxRssKb: number | undefined;
}

/** ffmpeg failed. `inputError` is true when it said the input itself is broken (a permanent failure). */
export class FfmpegError extends Error {
  readonly inputError: boolean;
  readonly timedOut: boolean;
  constructor(message: string, inputError: boolean, timedOut: boolean) {
    super(message);
    this.name = 'FfmpegError';
    this.inputError = inputError;
    this.timedOut = timedOut;
  }
}

const INPUT_ERRORS =
  /Invalid data found when processing input|moov atom not found|Error while decoding|corrupt|truncat/i;

/** The full argument list, for logs and tests. */
export function ffmpegArgs(job: FfmpegJob): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    // Info level with the level tag: `-benchmark` reports CPU at info, errors are picked out by tag.
    '-loglevel',
    'level+info',
    '-benchmark',
    '-progress',
    'pipe:1',
    '-stats_period',
    '1',
    '-y',
    '-protocol_whitelist',
    'file',
    ...(job.seekS !== undefined ? ['-ss', job.seekS.toFixed(3)] : []),
    '-f',
    job.demuxer,
    '-i',
    `file:${job.input}`,
    ...job.outputArgs,
  ];
}

/** Runs one ffmpeg invocation (argument array, no shell); resolves with its cost, rejects with FfmpegError. */
export async function runFfmpeg(job: FfmpegJob): Promise<FfmpegStats> {
  const res = await runProcess(findExecutable('ffmpeg') ?? 'ffmpeg', ffmpegArgs(job), {
    timeoutMs: job.timeoutMs,
    memoryBytes: job.memoryBytes,
    signal: job.signal,
    onSpawn: job.onSpawn,
    onStdoutLine: (line) => {
      // -progress prints key=value blocks; out_time_us is the output clock.
      if (job.onProgress && line.startsWith('out_time_us=')) {
        const us = Number(line.slice(12));
        if (Number.isFinite(us) && us >= 0) job.onProgress(us / 1e6);
      }
    },
  });
  const errors = res.stderr
    .split('\n')
    .filter((l) => /\[(error|fatal|panic)\]/.test(l))
    .map((l) => l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').trim());
  if (res.timedOut) throw new FfmpegError(`ffmpeg timed out after ${job.timeoutMs} ms`, false, true);
  if (res.code !== 0) {
    const detail = errors.slice(-3).join('; ') || `exit ${res.code ?? res.signal}`;
    throw new FfmpegError(`ffmpeg failed: ${detail}`, INPUT_ERRORS.test(errors.join('\n')), false);
  }
  const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(res.stderr);
  const rss = /bench: maxrss=(\d+)kB/.exec(res.stderr);
  return {
    wallMs: res.wallMs,
    cpuS: bench ? Number(bench[1]) + Number(bench[2]) : undefined,
    maxRssKb: rss ? Number(rss[1]) : undefined,
  };
}
