import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import type { JobQueue } from '../../core/queue/ports.ts';
import type { BackgroundService } from '../api/background-service.ts';
import { expireDrafts } from './drafts.ts';
import { enqueueTranscode, TRANSCODE_QUEUE, transcodeJobId, WORKDIR_PREFIX } from './transcode.jobs.ts';
import { videosRepo } from './videos.repo.ts';

/** How often the sweeper looks at videos stuck in `processing`. */
export const SWEEP_INTERVAL_MS = 60_000;
/** A transcode work folder untouched this long belongs to a worker that died (jobs take minutes). */
export const STALE_WORKDIR_MS = 3 * 3600_000;
/** Videos examined per sweep, oldest first. */
const SWEEP_BATCH = 500;

/** What one sweep did. */
export interface SweepResult {
  /** Processing videos whose transcode job the queue no longer had: queued again. */
  requeued: number;
  /** Processing videos whose job had failed for good without failing the video: now `failed`. */
  failed: number;
}

/**
 * Settles videos the transcode worker could not: a worker that dies on a job's last attempt leaves the
 * job failed in the queue (its lease expired) but the video `processing`; a crash between marking a
 * video `processing` and enqueueing it, or a queue that lost its data (Redis without persistence),
 * leaves no job at all. The first kind becomes `failed` with the queue's reason, the second is queued
 * again. Safe to run in several processes at once: enqueueing is idempotent and failing is conditional.
 */
export async function sweepProcessingVideos(deps: {
  metadata: MetadataStore;
  queue: JobQueue;
  clock: Clock;
}): Promise<SweepResult> {
  const repo = videosRepo(deps.metadata);
  const stuck = await deps.metadata.all<{ id: string; version: number }>(
    `SELECT id, version FROM videos WHERE status = 'processing' AND deleted_at IS NULL ORDER BY created_at LIMIT $1`,
    [SWEEP_BATCH],
  );
  const out: SweepResult = { requeued: 0, failed: 0 };
  for (const video of stuck) {
    const job = await deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(video.id, video.version));
    if (job === undefined) {
      await enqueueTranscode(deps.queue, video);
      out.requeued++;
    } else if (job.status === 'failed') {
      const reason = job.failedReason ?? `the transcode job failed after ${job.attempts} attempts`;
      await repo.markFailed(video.id, video.version, 'TRANSCODE_FAILED', reason, deps.clock.now());
      out.failed++;
    }
  }
  return out;
}

/** Rejected sources examined per sweep. */
const SOURCE_BATCH = 200;

/**
 * Deletes the source files of rejected uploads that failed more than `ttlMs` ago (kept that long for an
 * appeal; with a TTL of 0 the worker already deleted them, and this catches a delete that failed then).
 * Returns how many it deleted.
 */
export async function removeRejectedSources(
  deps: { metadata: MetadataStore; objects: ObjectStore; clock: Clock },
  ttlMs: number,
): Promise<number> {
  const repo = videosRepo(deps.metadata);
  let removed = 0;
  for (const v of await repo.rejectedWithSource(deps.clock.now() - ttlMs, SOURCE_BATCH)) {
    await deps.objects.delete(v.sourceKey);
    await repo.forgetSource(v.id);
    removed++;
  }
  return removed;
}

/**
 * Removes transcode work folders left in `dir` by workers that were killed (a finished or failed job
 * removes its own); returns how many. Only folders named like ours and older than `maxAgeMs` go.
 */
export async function removeStaleWorkDirs(dir: string, maxAgeMs = STALE_WORKDIR_MS, nowMs = Date.now()) {
  let removed = 0;
  // An unreadable temp dir has nothing of ours to sweep; a folder gone meanwhile was removed by its job.
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(WORKDIR_PREFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || nowMs - info.mtimeMs < maxAgeMs) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** The sweeper as a background service: once at start, then every `intervalMs`. */
export function transcodeSweeperService(intervalMs = SWEEP_INTERVAL_MS): BackgroundService {
  return {
    name: 'transcode-sweeper',
    async start(deps) {
      let running: Promise<unknown> = Promise.resolve();
      const log = deps.telemetry.component('transcode-sweeper');
      const sourcesDeleted = deps.telemetry.counter({
        name: 'foryou_rejected_sources_deleted_total',
        help: 'Source files of rejected uploads deleted from the object store',
      });
      const sweep = () => {
        running = running
          .then(() => sweepProcessingVideos(deps))
          .then(() => removeStaleWorkDirs(tmpdir()))
          .then(() => expireDrafts(deps, deps.config.DRAFT_TTL_S * 1000))
          .then(() => removeRejectedSources(deps, deps.config.REJECTED_SOURCE_TTL_S * 1000))
          .then((n) => sourcesDeleted.inc(n))
          .catch((err) => log.failed(err, 'sweep failed (a backend outage?); the next tick tries again'));
      };
      sweep();
      const timer = setInterval(sweep, intervalMs);
      timer.unref();
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
