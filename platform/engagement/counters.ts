import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import { counterOutboxRepo, type StagedCount } from '../../domain/repos/counter-outbox.repo.ts';
import { countersRepo, type VideoCounts } from '../../domain/repos/counters.repo.ts';
import { likesRepo } from '../../domain/repos/likes.repo.ts';

/** The counted engagements of a video. */
export const COUNTER_FIELDS = ['views', 'likes', 'comments', 'shares'] as const;
export type CounterField = (typeof COUNTER_FIELDS)[number];
/** Counts of one video. */
export type { StagedCount, VideoCounts };

const DIRTY = 'vc:dirty';
/** Set (no expiry) while the cache holds the counters: its absence means the cache lost them. */
const ALIVE = 'vc:alive';
/** How long an applied outbox row's marker lives: far longer than a row waits for the flush's sweep. */
const APPLIED_TTL_MS = 24 * 3_600_000;
const appliedMarker = (rowId: string) => `vc:applied:${rowId}`;
/** Applied outbox rows waiting for their delete, per metadata store, and the pending delete's timer. */
const toForget = new WeakMap<MetadataStore, { ids: string[]; timer?: ReturnType<typeof setTimeout> }>();
const FORGET_AFTER_MS = 500;
/** Beyond this many waiting, applied rows are left to the flush's sweep (a database refusing deletes). */
const FORGET_MAX = 100_000;
const key = (videoId: string, f: CounterField | 'seeded') => `vc:${videoId}:${f}`;
const zero = (): VideoCounts => ({ views: 0, likes: 0, comments: 0, shares: 0 });

/**
 * Real-time video counters: absolute counts live in the Cache (incrBy), written behind to
 * `video_counters` by `flush()`, and recomputed from the durable records by `reconcile()`.
 * A video's keys are seeded from `video_counters` the first time they are touched, so a cold or
 * restarted cache starts from the last flush instead of zero.
 * Likes, comments and shares reach the cache through an outbox committed with their records (`stage`,
 * `applyStaged`, `applyPending`), so a process killed between its commit and its increment loses no count.
 * @remarks Increments made after the last flush are lost if the cache loses its data; `recoverIfLost`
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
    await this.#seedMany(ids);
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

  /**
   * Writes counter changes into the outbox inside `tx`, the transaction that writes the records they
   * count; after its commit, `applyStaged` applies them. A process killed in between leaves the rows for
   * the counter flush's `applyPending`, so a committed like, comment or share is always counted, once.
   */
  async stage(tx: SqlExecutor, byVideo: ReadonlyMap<string, Partial<VideoCounts>>): Promise<StagedCount[]> {
    const now = this.#clock.now();
    const staged = [...byVideo]
      .filter(([, d]) => COUNTER_FIELDS.some((f) => d[f]))
      .map(([videoId, deltas]) => ({ id: newId(now), videoId, deltas }));
    await counterOutboxRepo(tx).addMany(staged, now);
    return staged;
  }

  /**
   * Applies committed outbox rows to the cache counters, each once (a marker per row); how many were new.
   * The rows are deleted a moment later, many groups' in one statement off the answer's path (`forgetApplied`
   * at once); rows a stopped process did not delete are found applied by the sweep, which deletes them.
   */
  async applyStaged(staged: readonly StagedCount[]): Promise<number> {
    if (staged.length === 0) return 0;
    const ids = [...new Set(staged.map((s) => s.videoId))];
    await this.#seedMany(ids);
    const fresh = await Promise.all(
      staged.map((s) =>
        this.#cache.incrByOnce(
          appliedMarker(s.id),
          APPLIED_TTL_MS,
          COUNTER_FIELDS.flatMap((f) => (s.deltas[f] ? [{ key: key(s.videoId, f), by: s.deltas[f] }] : [])),
        ),
      ),
    );
    const now = this.#clock.now();
    await this.#cache.zAdd(
      DIRTY,
      ids.map((member) => ({ score: now, member })),
    );
    this.#forgetLater(staged.map((s) => s.id));
    return fresh.filter(Boolean).length;
  }

  /**
   * Applies and deletes the outbox rows written at or before `beforeMs` that are still there: `rows` found,
   * `applied` of them not applied before (a process stopped between its commit and its increment).
   */
  async applyPending(beforeMs: number, limit = 500): Promise<{ rows: number; applied: number }> {
    const outbox = counterOutboxRepo(this.#db);
    const rows = await outbox.listBefore(beforeMs, limit);
    const applied = await this.applyStaged(rows);
    await outbox.removeMany(rows.map((r) => r.id));
    return { rows: rows.length, applied };
  }

  /** Deletes the applied outbox rows still waiting for their delete now (on stop, and in tests). */
  async forgetApplied(): Promise<void> {
    const q = toForget.get(this.#db);
    if (!q) return;
    clearTimeout(q.timer);
    q.timer = undefined;
    const ids = q.ids.splice(0);
    for (let i = 0; i < ids.length; i += 500) await counterOutboxRepo(this.#db).removeMany(ids.slice(i, i + 500));
  }

  #forgetLater(ids: readonly string[]): void {
    const q = toForget.get(this.#db) ?? { ids: [] };
    toForget.set(this.#db, q);
    if (q.ids.length < FORGET_MAX) q.ids.push(...ids);
    q.timer ??= setTimeout(() => {
      // A failed delete leaves the rows to the flush's sweep, which logs them when it deletes them.
      this.forgetApplied().catch(() => {});
    }, FORGET_AFTER_MS);
    q.timer.unref?.();
  }

  /**
   * When the cache lost the counters (a fresh in-process cache after a restart, a Redis restarted without
   * persistence), recounts from the records the videos engaged with since `marginMs` before the last flush
   * and those the outbox still holds from before `before`, and drops those rows (the recount has them).
   * Returns the videos recounted, or undefined when the cache still had the counters (the outbox alone
   * keeps them exact then).
   * @remarks A like committed but not yet applied by a live process at that moment may count twice.
   */
  async recoverIfLost(marginMs: number, before: number): Promise<number | undefined> {
    if (!(await this.#cache.setIfAbsent(ALIVE, '1', 0))) return undefined;
    try {
      const outbox = counterOutboxRepo(this.#db);
      const leftover = await outbox.listBefore(before, 10_000);
      const since = Math.max(0, (await this.lastFlushAt()) - marginMs);
      const n = await this.reconcileSince(
        since,
        leftover.map((r) => r.videoId),
      );
      await outbox.removeMany(leftover.map((r) => r.id));
      return n;
    } catch (err) {
      // Not recovered: the marker goes, so the next call recounts again.
      await this.#cache.del(ALIVE).catch(() => {});
      throw err;
    }
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
   * Reconciles the videos with likes, comments, shares or views recorded since `sinceMs`, and
   * `alsoVideoIds`: after a cache loss, what the cache had counted past the last flush is recounted from
   * the records. Returns how many.
   * @remarks A video whose only change since then was an unlike or a removed comment is not found here.
   */
  async reconcileSince(sinceMs: number, alsoVideoIds: readonly string[] = []): Promise<number> {
    const rows = await this.#db.all<{ video_id: string }>(
      `SELECT video_id FROM likes WHERE created_at >= $1
       UNION SELECT video_id FROM comments WHERE created_at >= $2
       UNION SELECT video_id FROM shares WHERE created_at >= $3
       UNION SELECT video_id FROM views WHERE created_at >= $4`,
      [sinceMs, sinceMs, sinceMs, sinceMs],
    );
    const ids = [...new Set([...rows.map((r) => r.video_id), ...alsoVideoIds])];
    await this.reconcile(ids);
    return ids.length;
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

  async #seedMany(videoIds: readonly string[]): Promise<void> {
    const seeded = await this.#cache.mget(videoIds.map((v) => key(v, 'seeded')));
    await Promise.all(videoIds.map((v, i) => (seeded[i] === undefined ? this.#seed(v) : undefined)));
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
