import type { Clock } from '../../core/clock.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { mediaKeys } from './media-keys.ts';
import { videosRepo } from './videos.repo.ts';

/** Drafts expired per sweep, oldest first. */
const EXPIRE_BATCH = 500;

/**
 * The upload rule for a signed upload URL: its object key must be the source of a video that still
 * waits for its file (not deleted, not expired, not already uploaded). Keys of any other shape pass:
 * this rule only guards video sources.
 */
export function uploadGate(metadata: MetadataStore): (key: string) => Promise<boolean> {
  const repo = videosRepo(metadata);
  return async (key) => {
    const id = mediaKeys.sourceVideoId(key);
    if (id === undefined) return true;
    const video = await repo.get(id);
    return video !== undefined && video.deletedAt === null && video.status === 'uploading';
  };
}

/**
 * Soft-deletes drafts created more than `ttlMs` ago whose file never arrived, and removes any partial
 * source object; returns how many. Safe in several processes: the delete is conditional on the row.
 */
export async function expireDrafts(
  deps: { metadata: MetadataStore; objects: ObjectStore; clock: Clock },
  ttlMs: number,
): Promise<number> {
  const repo = videosRepo(deps.metadata);
  const stale = await deps.metadata.all<{ id: string }>(
    `SELECT id FROM videos WHERE status = 'uploading' AND deleted_at IS NULL AND created_at < $1
      ORDER BY created_at LIMIT $2`,
    [deps.clock.now() - ttlMs, EXPIRE_BATCH],
  );
  for (const { id } of stale) {
    await repo.softDelete(id, deps.clock.now());
    await deps.objects.delete(mediaKeys.source(id)).catch(() => {});
  }
  return stale.length;
}
