import { availableParallelism, tmpdir } from 'node:os';
import type { Clock } from '../../core/clock.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import type { FfmpegStats } from './ffmpeg.adapter.ts';
import { TRANSCODE_ATTEMPTS } from './transcode.jobs.ts';
import { DEFAULT_LIMITS, type MediaLimits } from './validate.ts';

/** Knobs of the transcode worker; every one has a default fit for a small machine. */
export interface TranscodeOptions {
  /** x264 threads per rung encoder (default: the number of cores; every rung is encoded in one process). */
  threads: number;
  preset: string;
  tempDir: string;
  ffmpegTimeoutMs: number;
  probeTimeoutMs: number;
  memoryBytes: number;
  maxAttempts: number;
  limits: MediaLimits;
  /**
   * Seconds the source of a rejected upload is kept (for an appeal) before the sweeper deletes it; 0
   * deletes it as soon as the video fails (REJECTED_SOURCE_TTL_S).
   */
  rejectedSourceTtlS: number;
  /** Length of every rendition's first segment (default FIRST_SEGMENT_S); `bench:start` compares lengths. */
  firstSegmentS?: number;
  /** Called after each step is stored; the step is a rung name or `thumbs`. */
  onStepDone?: (videoId: string, step: string, stats: FfmpegStats) => void;
}

/** The ports a transcode needs. */
export interface TranscodeDeps {
  metadata: MetadataStore;
  objects: ObjectStore;
  clock: Clock;
  /** Counts rejections and deleted sources when given. */
  telemetry?: Telemetry;
}

/** Defaults for TranscodeOptions. */
export function defaultTranscodeOptions(overrides: Partial<TranscodeOptions> = {}): TranscodeOptions {
  return {
    threads: availableParallelism(),
    preset: 'veryfast',
    tempDir: tmpdir(),
    ffmpegTimeoutMs: 15 * 60_000,
    probeTimeoutMs: 30_000,
    memoryBytes: 3 * 1024 ** 3,
    maxAttempts: TRANSCODE_ATTEMPTS,
    limits: DEFAULT_LIMITS,
    rejectedSourceTtlS: 0,
    // Undefined means "use the default", as when a CLI flag was not given.
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
}

/** The transcode options that come from the configuration: upload size limit and rejected-source TTL. */
export function transcodeConfigOptions(config: {
  MAX_UPLOAD_BYTES: number;
  REJECTED_SOURCE_TTL_S: number;
}): Pick<TranscodeOptions, 'limits' | 'rejectedSourceTtlS'> {
  return {
    limits: { ...DEFAULT_LIMITS, maxBytes: config.MAX_UPLOAD_BYTES },
    rejectedSourceTtlS: config.REJECTED_SOURCE_TTL_S,
  };
}
