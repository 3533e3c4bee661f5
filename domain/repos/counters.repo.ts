import type { SqlExecutor } from '../../core/metadata/ports.ts';

/** A video's engagement counts. */
export interface VideoCounts {
  views: number;
  likes: number;
  comments: number;
  shares: number;
}

/** A stored counters row as read in bulk (the catalogue's load and refresh). */
export interface CountersRow extends VideoCounts {
  video_id: string;
  updated_at: number;
}

/**
 * The `video_counters` table: the durable copy of each video's counts, written when the live counters
 * (in the Cache) are flushed or reconciled, and read to seed them.
 */
export function countersRepo(db: SqlExecutor) {
  return {
    /** The stored counts, or undefined when the video has none yet. */
    async get(videoId: string): Promise<VideoCounts | undefined> {
      const r = await db.get<VideoCounts>(
        'SELECT views, likes, comments, shares FROM video_counters WHERE video_id = $1',
        [videoId],
      );
      return r
        ? { views: Number(r.views), likes: Number(r.likes), comments: Number(r.comments), shares: Number(r.shares) }
        : undefined;
    },

    /** Every stored row, or only those written after `since` (epoch ms). */
    async list(since?: number): Promise<CountersRow[]> {
      const cols = 'video_id, views, likes, comments, shares, updated_at';
      return since === undefined
        ? db.all<CountersRow>(`SELECT ${cols} FROM video_counters`)
        : db.all<CountersRow>(`SELECT ${cols} FROM video_counters WHERE updated_at > $1`, [since]);
    },

    /** Stores the counts (insert or overwrite) with the time they were taken. */
    async put(videoId: string, c: VideoCounts, now: number): Promise<void> {
      await db.run(
        `INSERT INTO video_counters (video_id, views, likes, comments, shares, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (video_id) DO UPDATE SET views = excluded.views, likes = excluded.likes,
           comments = excluded.comments, shares = excluded.shares, updated_at = excluded.updated_at`,
        [videoId, c.views, c.likes, c.comments, c.shares, now],
      );
    },
  };
}

/** The repository's type. */
export type CountersRepo = ReturnType<typeof countersRepo>;
