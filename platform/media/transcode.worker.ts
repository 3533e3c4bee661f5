import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isAppError } from '../../core/errors/registry.ts';
import { type Job, type JobQueue, PermanentJobError, type Worker } from '../../core/queue/ports.ts';
import { setProcessPriority } from './child-process.ts';
import { FfmpegError, type FfmpegStats, runFfmpeg } from './ffmpeg.adapter.ts';
import { demuxedVideoSpanS, probe } from './ffprobe.adapter.ts';
import { parseMediaPlaylist } from './hls.ts';
import { type LadderPlan, planLadder, type Rung } from './ladder.ts';
import { passArgs } from './ladder-pass.ts';
import { mediaContentType, mediaKeys } from './media-keys.ts';
import { publishMaster, uploadDir } from './rendition-store.ts';
import { type RungStreamState, streamRung } from './rung-stream.ts';
import { planThumbnails, THUMBNAIL_FILES, type ThumbnailPlan } from './thumbnails.ts';
import { TRANSCODE_QUEUE, type TranscodeJobData, WORKDIR_PREFIX } from './transcode.jobs.ts';
import { defaultTranscodeOptions, type TranscodeDeps, type TranscodeOptions } from './transcode.options.ts';
import { checkOutputDuration, validateProbe } from './validate.ts';
import { type VideoRow, videosRepo } from './videos.repo.ts';

const THUMBS_STEP = 'thumbs';
/** Resume units: the lowest rung with the poster, then every other rung with the previews and sprite. */
export const LOWEST_STEP = 'lowest';
export const LADDER_STEP = 'ladder';
/**
 * Segments of the lowest rung stored before the video is published (1 s + 2 s with the default cuts):
 * a player starting at once has its first segment and the next one without waiting for ffmpeg.
 */
export const PUBLISH_AFTER_SEGMENTS = 2;
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

/**
 * The handler for `transcode` jobs: source → probe → validate → two ffmpeg passes, each decoding once
 * (the lowest rung with every image, then the upper rungs) → upload under the versioned prefix → master
 * playlist → `ready` at the lowest rung, then at every rung. Each finished pass is recorded in
 * `transcode_progress`, so a job run again after a crash skips what is already stored.
 * Bad uploads fail the video with a reason code and throw PermanentJobError (no retries); anything else
 * is thrown for the queue to retry, and fails the video once the last attempt is used.
 */
export function transcodeHandler(deps: TranscodeDeps, options: Partial<TranscodeOptions> = {}) {
  const opts = defaultTranscodeOptions(options);
  const repo = videosRepo(deps.metadata);

  /**
   * Both passes recorded for this version. The upper rungs alone are not enough: they may finish while the
   * lowest rung, published early, is still being made, and a worker killed then leaves a ready video whose
   * lowest playlist stops midway and whose renditions name the lowest rung only.
   */
  async function bothPassesDone(video: VideoRow): Promise<boolean> {
    const progress = await repo.progress(video.id);
    const prefix = mediaKeys.prefix(video.id, video.version);
    return progress.get(LADDER_STEP) === prefix && progress.get(LOWEST_STEP) === prefix;
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

  /** Fails the video for good (`takeDown`: even if it was published early) and throws PermanentJobError. */
  async function fail(video: VideoRow, code: string, detail: string, takeDown = false): Promise<never> {
    await repo.markFailed(video.id, video.version, code, detail, deps.clock.now(), takeDown);
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
    growing?: { floorSegments: number; onStored: (state: RungStreamState, imagesDir: string) => Promise<void> },
  ): Promise<void> {
    const { id, version } = video;
    const dir = join(ctx.work, step);
    const imagesDir = join(dir, THUMBS_STEP);
    const withImages = images.poster || images.previewsAndSprite;
    await mkdir(imagesDir, { recursive: true });
    // With `growing`, the first rung is stored while ffmpeg writes it (early publish).
    const outputs = rungs.map((rung, i) => ({ rung, outDir: join(dir, rung.name), growing: !!growing && i === 0 }));
    for (const o of outputs) await mkdir(o.outDir);
    const stream =
      growing &&
      streamRung(deps.objects, outputs[0]!.outDir, mediaKeys.rungDir(id, version, outputs[0]!.rung.name), {
        floorSegments: growing.floorSegments,
        onStored: (state) => growing.onStored(state, imagesDir),
      });
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
      await stream?.stop().catch(() => {});
      if (err instanceof FfmpegError && err.inputError) return fail(video, 'CORRUPT_FILE', err.message, !!growing);
      throw err;
    }
    await stream?.stop();
    for (const o of outputs) {
      const produced = parseMediaPlaylist(await readFile(join(o.outDir, 'index.m3u8'), 'utf8')).reduce(
        (sum, seg) => sum + seg.durationS,
        0,
      );
      const short = checkOutputDuration(ctx.durationS, produced);
      if (short) return fail(video, short.code, short.detail, !!growing);
    }
    // A rung published early whose length turns out short is taken down with the video (the origin
    // serves only ready videos); the demuxed span checked before the pass makes that rare.
    await stream?.finish();
    for (const o of outputs.filter((x) => !x.growing)) {
      await uploadDir(deps.objects, o.outDir, mediaKeys.rungDir(id, version, o.rung.name));
    }
    if (withImages) await uploadDir(deps.objects, imagesDir, mediaKeys.thumbs(id, version));
    await repo.recordDone(id, step, mediaKeys.prefix(id, version), deps.clock.now());
    await rm(dir, { recursive: true, force: true });
    opts.onStepDone?.(id, step, stats);
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
    if (!done.has(LOWEST_STEP)) {
      // Before anything is published: a file whose packets stop well before its header's duration.
      const span = await demuxedVideoSpanS(src, {
        demuxer,
        streamIndex: info.streams.find((s) => s.kind === 'video' && !s.attachedPicture)?.index ?? 0,
        timeoutMs: opts.probeTimeoutMs,
        memoryBytes: opts.memoryBytes,
      });
      const short = span === undefined ? undefined : checkOutputDuration(durationS, span);
      if (short) return fail(video, short.code, short.detail);
    }

    // The lowest rung and the images (they only sample the decoded frames) in one pass, stored while it
    // runs so the video is ready at that rung after its first segments; the upper rungs in a second pass
    // decoding once for all of them. Both run at once, the second at background priority until the first is done, so the lowest
    // rung gets the cores first and the ladder soaks up what it leaves idle.
    const abort = new AbortController();
    let firstError: unknown;
    const guard = (task: Promise<void>) =>
      task.catch((err: unknown) => {
        firstError ??= err;
        abort.abort();
      });
    let lowestRunning = !done.has(LOWEST_STEP);
    let ladderRunning = !done.has(LADDER_STEP) && upper.length > 0;
    let ladderPid: number | undefined;
    let published = false;
    const publish = async () => {
      published = true;
      if (video.status !== 'processing') return;
      await repo.markReady(id, version, {
        durationMs: Math.round(durationS * 1000),
        width: v.displayWidth,
        height: v.displayHeight,
        renditions: await publishMaster(deps.objects, video, plan, [lowest]),
        posterKey: mediaKeys.thumb(id, version, THUMBNAIL_FILES.poster),
        now: deps.clock.now(),
      });
    };
    // Early publish: ready once the lowest rung's first segments and the poster are stored, while ffmpeg
    // still makes the rest of that rung (several times faster than playback, so a player starting at
    // once never catches up with it).
    const onStored = async (state: RungStreamState, imagesDir: string) => {
      if (published || (state.segments < PUBLISH_AFTER_SEGMENTS && !state.complete)) return;
      const poster = await readFile(join(imagesDir, THUMBNAIL_FILES.poster)).catch(() => undefined);
      if (!poster) return;
      await deps.objects.put(mediaKeys.thumb(id, version, THUMBNAIL_FILES.poster), poster, {
        contentType: mediaContentType(THUMBNAIL_FILES.poster),
      });
      await publish();
    };
    const lowestTask = async () => {
      if (!done.has(LOWEST_STEP)) {
        const storedPlaylist = await deps.objects
          .getBuffer(mediaKeys.rungPlaylist(id, version, lowest.name))
          .then((b) => parseMediaPlaylist(b.toString('utf8')).length)
          .catch(() => 0);
        await pass(
          video,
          ctx,
          LOWEST_STEP,
          [lowest],
          { poster: true, previewsAndSprite: true },
          { signal: abort.signal },
          { floorSegments: Math.max(storedPlaylist, PUBLISH_AFTER_SEGMENTS), onStored },
        );
      }
      lowestRunning = false;
      if (ladderPid !== undefined) setProcessPriority(ladderPid, 0);
      if (!published) await publish();
      // Bandwidth measured over the whole rung now, unless the ladder is about to replace the master.
      if (ladderRunning)
        await repo.updateRenditions(id, version, await publishMaster(deps.objects, video, plan, [lowest]));
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
      ladderRunning = false;
    };
    await Promise.all([guard(lowestTask()), guard(ladderTask())]);
    if (firstError !== undefined) throw firstError;
    await repo.updateRenditions(id, version, await publishMaster(deps.objects, video, plan, plan.rungs));
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
    if (video.status === 'ready' && (await bothPassesDone(video))) return;
    const work = await mkdtemp(join(opts.tempDir, `${WORKDIR_PREFIX}${videoId}-`));
    try {
      await run(video, work);
    } catch (err) {
      if (!(err instanceof PermanentJobError) && job.attempt >= opts.maxAttempts) {
        // Published early but its lowest rung never finished: a playlist that stops midway comes down too.
        const lowestDone = (await repo.progress(video.id)).get(LOWEST_STEP) === mediaKeys.prefix(videoId, version);
        await repo.markFailed(
          video.id,
          version,
          'TRANSCODE_FAILED',
          (err as Error).message ?? String(err),
          deps.clock.now(),
          !lowestDone,
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
