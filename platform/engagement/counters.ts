import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import { countersRepo, type VideoCounts } from '../../domain/repos/counters.repo.ts';
import { likesRepo } from '../../domain/repos/likes.repo.ts';

/** The counted engagements of a video. */
export const COUNTER_FIELDS = ['views', 'likes', 'comments', 'shares'] as const;
export type CounterField = (typeof COUNTER_FIELDS)[number];
/** Counts of one video. */
export type { VideoCounts };

const DIRTY = 'vc:dirty';
const key = (videoId: string, f: CounterField | 'seeded') => `vc:${videoId}:${f}`;
const zero = (): VideoCounts => ({ views: 0, likes: 0, comments: 0, shares: 0 });

/**
 * Real-time video counters: absolute counts live in the Cache (incrBy), written behind to
 * `video_counters` by `flush()`, and recomputed from the durable records by `reconcile()`.
 * A video's keys are seeded from `video_counters` the first time they are touched, so a cold or
 * restarted cache starts from the last flush instead of zero.
 * @remarks Increments made after the last flush are lost if the cache loses its data; reconcile
 * restores exact counts from the records (likes, comments, shares, views tables).
 */
export class VideoCounters {
  readonly #cache: Cache;
  readonly #db: MetadataStore;
  readonly #clock: Clock;

  constructor(deps: { cache: Cache; metadata: MetadataStore; clock: Clock }) {
    this.#cache = deps.cache;
    this.#db = deps.metadata;
    this.#clock = deps.clock;
  }

  /** Adds deltas (negative to undo) and marks the video for the next flush; returns the new counts. */
  async add(videoId: string, deltas: Partial<VideoCounts>): Promise<VideoCounts> {
    await this.increment(videoId, deltas);
    return (await this.get([videoId])).get(videoId)!;
  }

  /** `add` without reading the counts back, for consumers that do not answer anyone. */
  async increment(videoId: string, deltas: Partial<VideoCounts>): Promise<void> {
    await this.#seed(videoId);
    for (const f of COUNTER_FIELDS) {
      const d = deltas[f];
      if (d) await this.#cache.incrBy(key(videoId, f), d);
    }
    // Marked after the increment so a concurrent flush either sees the new value or leaves it dirty.
    await this.#cache.zAdd(DIRTY, [{ score: this.#clock.now(), member: videoId }]);
  }

  /**
   * `increment` for many videos at once, as a consumer's batch has them: one read of the seed markers,
   * the increments in one command and one dirty mark for all (three commands a video fewer than
   * one `increment` each).
   */
  async incrementMany(byVideo: ReadonlyMap<string, Partial<VideoCounts>>): Promise<void> {
    if (byVideo.size === 0) return;
    const ids = [...byVideo.keys()];
    const seeded = await this.#cache.mget(ids.map((v) => key(v, 'seeded')));
    await Promise.all(ids.map((v, i) => (seeded[i] === undefined ? this.#seed(v) : undefined)));
    await this.#cache.incrByMany(
      ids.flatMap((v) => {
        const deltas = byVideo.get(v)!;
        return COUNTER_FIELDS.flatMap((f) => (deltas[f] ? [{ key: key(v, f), by: deltas[f] }] : []));
      }),
    );
    const now = this.#clock.now();
    await this.#cache.zAdd(
      DIRTY,
      ids.map((member) => ({ score: now, member })),
    );
  }

  /** Current counts of each video (zeros for a video never counted). */
  async get(videoIds: readonly string[]): Promise<Map<string, VideoCounts>> {
    const out = new Map<string, VideoCounts>();
    if (videoIds.length === 0) return out;
    const width = COUNTER_FIELDS.length + 1;
    const read = async () =>
      this.#cache.mget(videoIds.flatMap((v) => [...COUNTER_FIELDS.map((f) => key(v, f)), key(v, 'seeded')]));
    let values = await read();
    const cold = videoIds.filter((_, i) => values[i * width + COUNTER_FIELDS.length] === undefined);
    if (cold.length > 0) {
      for (const v of cold) await this.#seed(v);
      values = await read();
    }
    videoIds.forEach((v, i) => {
      const c = zero();
      COUNTER_FIELDS.forEach((f, j) => {
        c[f] = Math.max(0, Number(values[i * width + j] ?? 0));
      });
      out.set(v, c);
    });
    return out;
  }

  /** Writes the counts of up to `limit` changed videos to `video_counters`; returns how many. */
  async flush(limit = 500): Promise<number> {
    const dirty = (await this.#cache.zRevRange(DIRTY, 0, limit - 1)).map((e) => e.member);
    if (dirty.length === 0) return 0;
    await this.#cache.zRem(DIRTY, dirty);
    const now = this.#clock.now();
    try {
      const counts = await this.get(dirty);
      await this.#db.transaction(async (tx) => {
        for (const [videoId, c] of counts) await countersRepo(tx).put(videoId, c, now);
      });
    } catch (err) {
      // Still dirty: the next flush retries them.
      await this.#cache.zAdd(
        DIRTY,
        dirty.map((member) => ({ score: now, member })),
      );
      throw err;
    }
    return dirty.length;
  }

  /**
   * Recomputes the counts of the given videos from the durable records, stores them in
   * `video_counters` and overwrites the cached values. Returns the recomputed counts.
   * @remarks An increment landing between the recount and the cache write is overwritten; run it
   * when drift is suspected (after a cache loss or a crash), not on every request.
   */
  async reconcile(videoIds: readonly string[]): Promise<Map<string, VideoCounts>> {
    const out = new Map<string, VideoCounts>();
    const now = this.#clock.now();
    for (const videoId of videoIds) {
      const c = await recount(this.#db, videoId);
      await countersRepo(this.#db).put(videoId, c, now);
      for (const f of COUNTER_FIELDS) await this.#cache.set(key(videoId, f), String(c[f]));
      await this.#cache.set(key(videoId, 'seeded'), '1');
      out.set(videoId, c);
    }
    return out;
  }

  /**
   * Reconciles the videos with likes, comments, shares or views recorded since `sinceMs`: after a crash,
   * what the cache had counted past the last flush is recounted from the records. Returns how many.
   * @remarks A video whose only change since then was an unlike or a removed comment is not found here.
   */
  async reconcileSince(sinceMs: number): Promise<number> {
    const rows = await this.#db.all<{ video_id: string }>(
      `SELECT video_id FROM likes WHERE created_at >= $1
       UNION SELECT video_id FROM comments WHERE created_at >= $2
       UNION SELECT video_id FROM shares WHERE created_at >= $3
       UNION SELECT video_id FROM views WHERE created_at >= $4`,
      [sinceMs, sinceMs, sinceMs, sinceMs],
    );
    await this.reconcile(rows.map((r) => r.video_id));
    return rows.length;
  }

  /** When a flush last wrote `video_counters` (0 when never). */
  async lastFlushAt(): Promise<number> {
    const rows = await this.#db.all<{ t: number | null }>('SELECT MAX(updated_at) AS t FROM video_counters');
    return Number(rows[0]?.t ?? 0);
  }

  /** Reconciles every video, in id order, `pageSize` at a time; returns how many were checked. */
  async reconcileAll(pageSize = 200): Promise<number> {
    let after = '';
    let n = 0;
    for (;;) {
      const rows = await this.#db.all<{ id: string }>('SELECT id FROM videos WHERE id > $1 ORDER BY id LIMIT $2', [
        after,
        pageSize,
      ]);
      if (rows.length === 0) return n;
      await this.reconcile(rows.map((r) => r.id));
      n += rows.length;
      after = rows[rows.length - 1]!.id;
    }
  }

  async #seed(videoId: string): Promise<void> {
    // No TTL: the marker must live exactly as long as the counter keys it vouches for.
    if (!(await this.#cache.setIfAbsent(key(videoId, 'seeded'), '1', 0))) return;
    const row = await countersRepo(this.#db).get(videoId);
    if (!row) return;
    for (const f of COUNTER_FIELDS) {
      const base = Number(row[f]);
      if (base) await this.#cache.incrBy(key(videoId, f), base);
    }
  }
}

/** Exact counts of one video from its durable records. */
export async function recount(db: SqlExecutor, videoId: string): Promise<VideoCounts> {
  const n = async (sql: string) => Number((await db.get<{ n: number }>(sql, [videoId]))?.n ?? 0);
  return {
    views: await n('SELECT COUNT(*) AS n FROM views WHERE video_id = $1'),
    likes: await likesRepo(db).countOf(videoId),
    comments: await n('SELECT COUNT(*) AS n FROM comments WHERE video_id = $1 AND deleted_at IS NULL'),
    shares: await n('SELECT COUNT(*) AS n FROM shares WHERE video_id = $1'),
  };
}
