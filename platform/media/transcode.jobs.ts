import type { JobQueue } from '../../core/queue/ports.ts';

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
