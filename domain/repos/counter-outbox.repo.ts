import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList, valuesList } from '../../core/metadata/sql.ts';
import type { VideoCounts } from './counters.repo.ts';

/** A counter change in the outbox: written in the transaction of the record it counts, applied once. */
export interface StagedCount {
  id: string;
  videoId: string;
  deltas: Partial<VideoCounts>;
}

/**
 * The `counter_outbox` table: counter changes committed with the likes, comments and shares they count,
 * deleted once applied to the live counters. Pass a transaction as `db` to write inside one.
 */
export function counterOutboxRepo(db: SqlExecutor) {
  return {
    async addMany(rows: readonly StagedCount[], now: number): Promise<void> {
      if (rows.length === 0) return;
      await db.run(
        `INSERT INTO counter_outbox (id, video_id, deltas, created_at) VALUES ${valuesList(rows.length, 4)}`,
        rows.flatMap((r) => [r.id, r.videoId, JSON.stringify(r.deltas), now]),
      );
    },

    /** The oldest rows written at or before `before` (epoch ms), up to `limit`. */
    async listBefore(before: number, limit: number): Promise<StagedCount[]> {
      const rows = await db.all<{ id: string; video_id: string; deltas: string }>(
        'SELECT id, video_id, deltas FROM counter_outbox WHERE created_at <= $1 ORDER BY created_at, id LIMIT $2',
        [before, limit],
      );
      return rows.map((r) => ({ id: r.id, videoId: r.video_id, deltas: JSON.parse(r.deltas) as Partial<VideoCounts> }));
    },

    async removeMany(ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await db.run(`DELETE FROM counter_outbox WHERE id IN (${inList(ids.length)})`, ids);
    },
  };
}
