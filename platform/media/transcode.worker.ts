import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../../core/clock.ts';
import { isAppError } from '../../core/errors/registry.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { type Job, type JobQueue, PermanentJobError, type Worker } from '../../core/queue/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import { FfmpegError, type FfmpegStats, runFfmpeg } from './ffmpeg.adapter.ts';
import { probe } from './ffprobe.adapter.ts';
import { masterPlaylist, measureBandwidth, parseMediaPlaylist, type Variant } from './hls.ts';
import { type LadderPlan, planLadder, type Rung, rungArgs } from './ladder.ts';
import { mediaContentType, mediaKeys } from './media-keys.ts';
import { planThumbnails, THUMBNAIL_FILES, thumbnailArgs } from './thumbnails.ts';
import { checkOutputDuration, DEFAULT_LIMITS, type MediaLimits, validateProbe } from './validate.ts';
import { type Rendition, type VideoRow, videosRepo } from './videos.repo.ts';

export const TRANSCODE_QUEUE = 'media';
/** The prefix of every transcode work folder; the sweeper removes the ones killed workers left. */
export const WORKDIR_PREFIX = 'foryou-transcode-';
export const TRANSCODE_JOB = 'transcode';
/** Tries per transcode job; the API enqueues with this and the handler fails the video on the last one. */
export const TRANSCODE_ATTEMPTS = 3;

/** The job payload: which video, and which version of its renditions to build. */
export interface TranscodeJobData {
  videoId: string;
  version: number;
}

/** Job ids are per version, so enqueueing the same version twice is a no-op. */
export const transcodeJobId = (videoId: string, version: number) => `${videoId}-v${version}`;

/** Queues the transcode of one version of a video; idempotent (the job id is per version). */
export async function enqueueTranscode(queue: JobQueue, video: { id: string; version: number }): Promise<void> {
  await queue.enqueue<TranscodeJobData>(
    TRANSCODE_QUEUE,
    TRANSCODE_JOB,
    { videoId: video.id, version: video.version },
    { jobId: transcodeJobId(video.id, video.version), attempts: TRANSCODE_ATTEMPTS, backoffMs: 5000 },
  );
}

/** Knobs of the transcode worker; every one has a default fit for a small machine. */
export interface TranscodeOptions {
  /** Rungs transcoded at once (default: the number of cores). */
  rungConcurrency: number;
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
    rungConcurrency: availableParallelism(),
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

const THUMBS_STEP = 'thumbs';

/** Runs `tasks` with at most `limit` at once; the first failure aborts the rest and is rethrown. */
async function runPool(tasks: ((signal: AbortSignal) => Promise<void>)[], limit: number): Promise<void> {
  const abort = new AbortController();
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++]!;
      try {
        await task(abort.signal);
      } catch (err) {
        if (failure === undefined) failure = err;
        abort.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, lane));
  if (failure !== undefined) throw failure;
}

/** Uploads every file of `dir` under `prefix`, playlists last so a listed segment always exists. */
async function uploadDir(objects: ObjectStore, dir: string, prefix: string): Promise<void> {
  const files = (await readdir(dir)).sort();
  const ordered = [...files.filter((f) => !f.endsWith('.m3u8')), ...files.filter((f) => f.endsWith('.m3u8'))];
  const segments = ordered.filter((f) => !f.endsWith('.m3u8'));
  await runPool(
    segments.map((f) => async () => {
      await objects.put(`${prefix}/${f}`, createReadStream(join(dir, f)), { contentType: mediaContentType(f) });
    }),
    8,
  );
  for (const f of ordered.filter((x) => x.endsWith('.m3u8'))) {
    await objects.put(`${prefix}/${f}`, await readFile(join(dir, f)), { contentType: mediaContentType(f) });
  }
}

/** Measured variant of a stored rung: reads its playlist and sizes its segments in the store. */
async function storedVariant(objects: ObjectStore, plan: LadderPlan, rung: Rung, playlistKey: string, uri: string) {
  const text = (await objects.getBuffer(playlistKey)).toString('utf8');
  const dir = playlistKey.slice(0, playlistKey.lastIndexOf('/'));
  const segments = await Promise.all(
    parseMediaPlaylist(text).map(async (s) => {
      const info = await objects.head(`${dir}/${s.uri}`);
      if (!info) throw new Error(`segment ${dir}/${s.uri} listed in ${playlistKey} is missing`);
      return { durationS: s.durationS, bytes: info.size };
    }),
  );
  const bw = measureBandwidth(segments);
  const variant: Variant = {
    uri,
    bandwidth: bw.peak,
    averageBandwidth: bw.average,
    width: rung.width,
    height: rung.height,
    codecs: plan.hasAudio ? `${rung.codecs},mp4a.40.2` : rung.codecs,
    frameRate: plan.fps,
  };
  return variant;
}

/**
 * The handler for `transcode` jobs: source → probe → validate → one ffmpeg per rung (in parallel) →
 * upload under the versioned prefix → thumbnails → master playlist → `ready`. Each finished rung is
 * recorded in `transcode_progress`, so a job run again after a crash skips what is already stored.
 * Bad uploads fail the video with a reason code and throw PermanentJobError (no retries); anything else
 * is thrown for the queue to retry, and fails the video once the last attempt is used.
 */
export function transcodeHandler(deps: TranscodeDeps, options: Partial<TranscodeOptions> = {}) {
  const opts = defaultTranscodeOptions(options);
  const repo = videosRepo(deps.metadata);

  const rejected = deps.telemetry?.counter({
    name: 'foryou_uploads_rejected_total',
    help: 'Uploads refused for good by the transcode worker, by failure code',
    labelNames: ['code'],
  });
  const sourcesDeleted = deps.telemetry?.counter({
    name: 'foryou_rejected_sources_deleted_total',
    help: 'Source files of rejected uploads deleted from the object store',
  });

  async function fail(video: VideoRow, code: string, detail: string): Promise<never> {
    await repo.markFailed(video.id, video.version, code, detail, deps.clock.now());
    rejected?.inc({ code });
    if (opts.rejectedSourceTtlS === 0 && video.sourceKey) {
      // Best effort: a source left behind is removed by the sweeper's rejected-source pass.
      const gone = await deps.objects
        .delete(video.sourceKey)
        .then(() => repo.forgetSource(video.id))
        .then(() => true)
        .catch(() => false);
      if (gone) sourcesDeleted?.inc();
    }
    throw new PermanentJobError(code, detail);
  }

  async function run(video: VideoRow, work: string): Promise<void> {
    const src = join(work, 'source');
    try {
      const { body } = await deps.objects.get(video.sourceKey ?? '');
      await pipeline(body, createWriteStream(src));
    } catch (err) {
      if (isAppError(err, 'OBJECT_NOT_FOUND') || isAppError(err, 'VALIDATION_FAILED')) {
        return fail(video, 'UPLOAD_MISSING', 'the uploaded source file is gone');
      }
      throw err;
    }
    const verdict = validateProbe(
      await probe(src, { timeoutMs: opts.probeTimeoutMs, memoryBytes: opts.memoryBytes }),
      opts.limits,
    );
    if (!verdict.ok) return fail(video, verdict.code, verdict.detail);
    const { info, demuxer } = verdict;
    const v = info.video!;
    const durationS = info.durationS!;
    const plan = planLadder({
      displayWidth: v.displayWidth,
      displayHeight: v.displayHeight,
      fps: v.fps,
      hasAudio: !!info.audio,
    });
    const thumbs = planThumbnails(v.displayWidth, v.displayHeight, durationS);
    const { id, version } = video;
    const prefix = mediaKeys.prefix(id, version);
    // A progress row of another version (an earlier transcode) does not count.
    const done = new Map([...(await repo.progress(id))].filter(([, key]) => key.startsWith(`${prefix}/`)));

    // Biggest rung first, so the small ones fill in around it instead of leaving it to run alone at the end.
    const todo = plan.rungs.filter((r) => !done.has(r.name)).reverse();
    // Every ffmpeg may use every core: once the small rungs finish, the big one gets the whole machine.
    const threads = availableParallelism();
    const ffmpeg = async (outputArgs: string[], signal: AbortSignal) => {
      try {
        return await runFfmpeg({
          input: src,
          demuxer,
          outputArgs,
          timeoutMs: opts.ffmpegTimeoutMs,
          memoryBytes: opts.memoryBytes,
          signal,
        });
      } catch (err) {
        if (err instanceof FfmpegError && err.inputError) return fail(video, 'CORRUPT_FILE', err.message);
        throw err;
      }
    };
    const tasks = todo.map((rung) => async (signal: AbortSignal) => {
      const outDir = join(work, rung.name);
      await mkdir(outDir);
      const stats = await ffmpeg(
        rungArgs(plan, rung, { input: src, demuxer, outDir, threads, preset: opts.preset }),
        signal,
      );
      const produced = parseMediaPlaylist(await readFile(join(outDir, 'index.m3u8'), 'utf8')).reduce(
        (sum, seg) => sum + seg.durationS,
        0,
      );
      const short = checkOutputDuration(durationS, produced);
      if (short) return fail(video, short.code, short.detail);
      await uploadDir(deps.objects, outDir, mediaKeys.rungDir(id, version, rung.name));
      await repo.recordDone(id, rung.name, mediaKeys.rungPlaylist(id, version, rung.name), deps.clock.now());
      await rm(outDir, { recursive: true, force: true });
      opts.onStepDone?.(id, rung.name, stats);
    });
    if (!done.has(THUMBS_STEP)) {
      tasks.push(async (signal) => {
        const outDir = join(work, THUMBS_STEP);
        await mkdir(outDir);
        const stats = await ffmpeg(thumbnailArgs(thumbs, durationS, outDir), signal);
        await uploadDir(deps.objects, outDir, mediaKeys.thumbs(id, version));
        await repo.recordDone(id, THUMBS_STEP, mediaKeys.thumb(id, version, THUMBNAIL_FILES.poster), deps.clock.now());
        opts.onStepDone?.(id, THUMBS_STEP, stats);
      });
    }
    await runPool(tasks, opts.rungConcurrency);

    const variants = await Promise.all(
      plan.rungs.map((r) =>
        storedVariant(deps.objects, plan, r, mediaKeys.rungPlaylist(id, version, r.name), `${r.name}/index.m3u8`),
      ),
    );
    await deps.objects.put(mediaKeys.master(id, version), Buffer.from(masterPlaylist(variants)), {
      contentType: mediaContentType('master.m3u8'),
    });
    const renditions: Rendition[] = plan.rungs.map((r, i) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      bandwidth: variants[i]!.bandwidth,
      average_bandwidth: variants[i]!.averageBandwidth,
      codecs: variants[i]!.codecs,
      playlist_key: mediaKeys.rungPlaylist(id, version, r.name),
    }));
    await repo.markReady(id, version, {
      durationMs: Math.round(durationS * 1000),
      width: v.displayWidth,
      height: v.displayHeight,
      renditions,
      posterKey: mediaKeys.thumb(id, version, THUMBNAIL_FILES.poster),
      now: deps.clock.now(),
    });
  }

  return async (job: Job<TranscodeJobData>): Promise<void> => {
    const { videoId, version } = job.data ?? ({} as TranscodeJobData);
    if (typeof videoId !== 'string' || !Number.isInteger(version)) {
      throw new PermanentJobError('BAD_JOB', `transcode job ${job.id} carries no videoId/version`);
    }
    const video = await repo.get(videoId);
    // Nothing to do for a deleted video, a newer version, or a version already finished or failed.
    if (!video || video.deletedAt !== null || video.version !== version || video.status !== 'processing') return;
    const work = await mkdtemp(join(opts.tempDir, `${WORKDIR_PREFIX}${videoId}-`));
    try {
      await run(video, work);
    } catch (err) {
      if (!(err instanceof PermanentJobError) && job.attempt >= opts.maxAttempts) {
        await repo.markFailed(
          video.id,
          version,
          'TRANSCODE_FAILED',
          (err as Error).message ?? String(err),
          deps.clock.now(),
        );
      }
      throw err;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}

/** Starts consuming `transcode` jobs. `jobConcurrency` videos at once (default 1: each already uses every core). */
export function startTranscodeWorker(
  deps: TranscodeDeps & { queue: JobQueue },
  options: Partial<TranscodeOptions> & { jobConcurrency?: number; leaseMs?: number } = {},
): Worker {
  const { jobConcurrency = 1, leaseMs = 60_000, ...rest } = options;
  return deps.queue.work<TranscodeJobData>(TRANSCODE_QUEUE, transcodeHandler(deps, rest), {
    concurrency: jobConcurrency,
    leaseMs,
  });
}
