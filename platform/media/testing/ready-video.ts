import type { MetadataStore } from '../../../core/metadata/ports.ts';
import { videosRepo } from '../videos.repo.ts';

/**
 * Takes a freshly created (uploading) video straight to ready, without media: a 5 s 720×1280 video
 * with no renditions, for tests about who may see what rather than about transcoding.
 */
export async function markVideoReadyWithoutMedia(metadata: MetadataStore, videoId: string): Promise<void> {
  const repo = videosRepo(metadata);
  await repo.markProcessing(videoId);
  await repo.markReady(videoId, 1, {
    durationMs: 5000,
    width: 720,
    height: 1280,
    renditions: [],
    posterKey: 'p',
    now: Date.now(),
  });
}
