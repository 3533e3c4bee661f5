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
import { setProcessPriority } from './child-process.ts';
import { FfmpegError, type FfmpegStats, runFfmpeg } from './ffmpeg.adapter.ts';
import { probe } from './ffprobe.adapter.ts';
import { masterPlaylist, measureBandwidth, parseMediaPlaylist, type Variant } from './hls.ts';
import { type LadderPlan, planLadder, type Rung } from './ladder.ts';
import { passArgs } from './ladder-pass.ts';
import { mediaContentType, mediaKeys } from './media-keys.ts';
import { planThumbnails, THUMBNAIL_FILES, type ThumbnailPlan } from './thumbnails.ts';
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

const THUMBS_STEP = 'thumbs';
/** Resume units: the lowest rung with the poster, then every other rung with the previews and sprite. */
export const LOWEST_STEP = 'lowest';
export const LADDER_STEP = 'ladder';
/** Nice value of the upper-rung pass while the lowest rung is still being made. */
const BACKGROUND_PRIORITY = 10;

/** What every pass of one transcode shares. */
interface PassContext {
  src: string;
  demuxer: string;
  work: string;
  plan: LadderPlan;
  durationS: number;
  thumbs: ThumbnailPlan;
}

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

  async function ladderDone(video: VideoRow): Promise<boolean> {
    return (await repo.progress(video.id)).get(LADDER_STEP) === mediaKeys.prefix(video.id, video.version);
  }

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

  /** Runs one pass into `work/<step>`, checks each rung's length, stores it all, records the step. */
  async function pass(
    video: VideoRow,
    ctx: PassContext,
    step: string,
    rungs: readonly Rung[],
    images: { poster?: boolean; previewsAndSprite?: boolean },
    proc: { signal: AbortSignal; onSpawn?: (pid: number) => void },
  ): Promise<void> {
    const { id, version } = video;
    const dir = join(ctx.work, step);
    const imagesDir = join(dir, THUMBS_STEP);
    const withImages = images.poster || images.previewsAndSprite;
    await mkdir(imagesDir, { recursive: true });
    const outputs = rungs.map((rung) => ({ rung, outDir: join(dir, rung.name) }));
    for (const o of outputs) await mkdir(o.outDir);
    const args = passArgs(ctx.plan, {
      rungs: outputs,
      ...images,
      imagesDir,
      thumbs: ctx.thumbs,
      durationS: ctx.durationS,
      threads: opts.threads,
      preset: opts.preset,
    });
    let stats: FfmpegStats;
    try {
      stats = await runFfmpeg({
        input: ctx.src,
        demuxer: ctx.demuxer,
        outputArgs: args,
        timeoutMs: opts.ffmpegTimeoutMs,
        memoryBytes: opts.memoryBytes,
        signal: proc.signal,
        onSpawn: proc.onSpawn,
      });
    } catch (err) {
      if (err instanceof FfmpegError && err.inputError) return fail(video, 'CORRUPT_FILE', err.message);
      throw err;
    }
    for (const o of outputs) {
      const produced = parseMediaPlaylist(await readFile(join(o.outDir, 'index.m3u8'), 'utf8')).reduce(
        (sum, seg) => sum + seg.durationS,
        0,
      );
      const short = checkOutputDuration(ctx.durationS, produced);
      if (short) return fail(video, short.code, short.detail);
    }
    for (const o of outputs) await uploadDir(deps.objects, o.outDir, mediaKeys.rungDir(id, version, o.rung.name));
    if (withImages) await uploadDir(deps.objects, imagesDir, mediaKeys.thumbs(id, version));
    await repo.recordDone(id, step, mediaKeys.prefix(id, version), deps.clock.now());
    await rm(dir, { recursive: true, force: true });
    opts.onStepDone?.(id, step, stats);
  }

  /** Writes the master playlist over the given rungs (measured from the store) and returns their renditions. */
  async function publishMaster(video: VideoRow, plan: LadderPlan, rungs: readonly Rung[]): Promise<Rendition[]> {
    const { id, version } = video;
    const variants = await Promise.all(
      rungs.map((r) =>
        storedVariant(deps.objects, plan, r, mediaKeys.rungPlaylist(id, version, r.name), `${r.name}/index.m3u8`),
      ),
    );
    await deps.objects.put(mediaKeys.master(id, version), Buffer.from(masterPlaylist(variants)), {
      contentType: mediaContentType('master.m3u8'),
    });
    return rungs.map((r, i) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      bandwidth: variants[i]!.bandwidth,
      average_bandwidth: variants[i]!.averageBandwidth,
      codecs: variants[i]!.codecs,
      playlist_key: mediaKeys.rungPlaylist(id, version, r.name),
    }));
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
    const plan = planLadder(
      { displayWidth: v.displayWidth, displayHeight: v.displayHeight, fps: v.fps, hasAudio: !!info.audio },
      { firstSegmentS: opts.firstSegmentS },
    );
    const ctx: PassContext = {
      src,
      demuxer,
      work,
      plan,
      durationS,
      thumbs: planThumbnails(v.displayWidth, v.displayHeight, durationS),
    };
    const { id, version } = video;
    const prefix = mediaKeys.prefix(id, version);
    // A progress row of another version (an earlier transcode) does not count.
    const done = new Map([...(await repo.progress(id))].filter(([, key]) => key === prefix));
    const [lowest, ...upper] = plan.rungs as [Rung, ...Rung[]];

    // Early publish: the lowest rung and the images (they only sample the decoded frames) in one pass,
    // after which the video is ready at that rung; the upper rungs in a second pass decoding once for all
    // of them. Both run at once, the second at background priority until the first is done, so the lowest
    // rung gets the cores first and the ladder soaks up what it leaves idle.
    const abort = new AbortController();
    let firstError: unknown;
    const guard = (task: Promise<void>) =>
      task.catch((err: unknown) => {
        firstError ??= err;
        abort.abort();
      });
    let lowestRunning = !done.has(LOWEST_STEP);
    let ladderPid: number | undefined;
    const lowestTask = async () => {
      if (!done.has(LOWEST_STEP)) {
        await pass(
          video,
          ctx,
          LOWEST_STEP,
          [lowest],
          { poster: true, previewsAndSprite: true },
          { signal: abort.signal },
        );
      }
      lowestRunning = false;
      if (ladderPid !== undefined) setProcessPriority(ladderPid, 0);
      if (video.status !== 'processing') return;
      await repo.markReady(id, version, {
        durationMs: Math.round(durationS * 1000),
        width: v.displayWidth,
        height: v.displayHeight,
        renditions: await publishMaster(video, plan, [lowest]),
        posterKey: mediaKeys.thumb(id, version, THUMBNAIL_FILES.poster),
        now: deps.clock.now(),
      });
    };
    const ladderTask = async () => {
      if (done.has(LADDER_STEP)) return;
      if (upper.length === 0) return void (await repo.recordDone(id, LADDER_STEP, prefix, deps.clock.now()));
      await pass(
        video,
        ctx,
        LADDER_STEP,
        upper,
        {},
        {
          signal: abort.signal,
          onSpawn: (pid) => {
            ladderPid = pid;
            // Before ffmpeg starts its threads, so they inherit it.
            if (lowestRunning) setProcessPriority(pid, BACKGROUND_PRIORITY);
          },
        },
      );
    };
    await Promise.all([guard(lowestTask()), guard(ladderTask())]);
    if (firstError !== undefined) throw firstError;
    if (upper.length > 0) {
      await repo.updateRenditions(id, version, await publishMaster(video, plan, plan.rungs));
    }
  }

  return async (job: Job<TranscodeJobData>): Promise<void> => {
    const { videoId, version } = job.data ?? ({} as TranscodeJobData);
    if (typeof videoId !== 'string' || !Number.isInteger(version)) {
      throw new PermanentJobError('BAD_JOB', `transcode job ${job.id} carries no videoId/version`);
    }
    const video = await repo.get(videoId);
    // Nothing to do for a deleted video, a newer version, or a version failed or finished with its whole
    // ladder. A ready video may still lack its upper rungs (published early, then the worker died).
    if (!video || video.deletedAt !== null || video.version !== version) return;
    if (video.status !== 'processing' && video.status !== 'ready') return;
    if (video.status === 'ready' && (await ladderDone(video))) return;
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
  // A killed worker's job runs again one lease after the death: 30 s, not 60, so a crash holds a video back
  // briefly; renewals (every 10 s) never starve, as ffmpeg runs in child processes, not on the event loop.
  const { jobConcurrency = 1, leaseMs = 30_000, ...rest } = options;
  return deps.queue.work<TranscodeJobData>(TRANSCODE_QUEUE, transcodeHandler(deps, rest), {
    concurrency: jobConcurrency,
    leaseMs,
  });
}
