import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import { inList } from '../../../core/metadata/sql.ts';
import type { CandidateHydrator } from '../types.ts';

const CHUNK = 500;

/**
 * Re-reads status, privacy, deletion, moderation label and the author's account privacy of every candidate from the metadata store, because the
 * catalogue may be seconds behind; a candidate whose row is gone is marked deleted.
 */
export function liveStateHydrator(db: SqlExecutor): CandidateHydrator {
  return {
    id: 'live_state',
    async hydrate(_query, candidates) {
      const byId = new Map(candidates.map((c) => [c.video.id, c]));
      const ids = [...byId.keys()];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const rows = await db.all<{
          id: string;
          status: string;
          privacy: string;
          deleted_at: number | null;
          moderation: string;
          author_private: number;
        }>(
          `SELECT id, status, privacy, deleted_at, moderation, author_private FROM videos WHERE id IN (${inList(chunk.length)})`,
          chunk,
        );
        for (const id of chunk)
          byId.get(id)!.live = {
            status: 'missing',
            privacy: 'private',
            deleted: true,
            authorPrivate: true,
          };
        for (const r of rows) {
          byId.get(r.id)!.live = {
            status: r.status,
            privacy: r.privacy,
            deleted: r.deleted_at !== null && r.deleted_at !== undefined,
            moderation: r.moderation,
            authorPrivate: Number(r.author_private) === 1,
          };
        }
      }
    },
  };
}
