import type { MetadataStore, SqlValue } from '../../core/metadata/ports.ts';
import { valuesList } from '../../core/metadata/sql.ts';
import type { Component, Telemetry } from '../../core/telemetry/telemetry.ts';
import { labelViews, type PairEvent } from '../../feature-store/label-views.ts';
import { type Labels, labelsOf } from '../../feature-store/signals.ts';
import type { ServedItem } from '../../feed/for-you/side-effects/serve-log.side-effect.ts';

export type { ServedItem };

const COLUMNS = 9;
const ROWS_PER_INSERT = 100;

/**
 * Buffers served items and writes them to `served_items` in batches: when `maxBatch` are waiting, every
 * `flushMs`, and on `close()`. `log` never blocks the feed request; a failed write keeps the items for
 * the next flush (bounded by `maxBuffered`, oldest dropped first, and counted in `dropped` and
 * `foryou_serve_log_dropped_total`). Failed background flushes are logged and counted (`serve-log`).
 */
export class ServeLog {
  readonly #db: MetadataStore;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #timer: NodeJS.Timeout;
  #buffer: ServedItem[] = [];
  #flushing: Promise<number> | undefined;
  readonly #component: Component;
  readonly #droppedTotal;
  /** Items given up on because the buffer overflowed while the store was failing. */
  dropped = 0;

  constructor(
    deps: { metadata: MetadataStore; telemetry: Telemetry },
    opts: { maxBatch?: number; flushMs?: number; maxBuffered?: number } = {},
  ) {
    this.#db = deps.metadata;
    this.#maxBatch = opts.maxBatch ?? 500;
    this.#maxBuffered = opts.maxBuffered ?? 50_000;
    this.#component = deps.telemetry.component('serve-log');
    this.#droppedTotal = deps.telemetry.counter({
      name: 'foryou_serve_log_dropped_total',
      help: 'Served items never written to served_items: the buffer overflowed while the store was failing',
    });
    this.#timer = setInterval(() => void this.#flushInBackground(), opts.flushMs ?? 1000);
    this.#timer.unref();
  }

  /** Queues a page's items for writing. */
  log(items: readonly ServedItem[]): void {
    this.#buffer.push(...items);
    const over = this.#buffer.length - this.#maxBuffered;
    if (over > 0) {
      this.#buffer.splice(0, over);
      this.dropped += over;
      this.#droppedTotal.inc(over);
      this.#component.failed(new Error(`${over} served items dropped`), 'serve log buffer full; oldest items dropped', {
        buffered: this.#buffer.length,
      });
    }
    if (this.#buffer.length >= this.#maxBatch) void this.#flushInBackground();
  }

  /** A flush nobody awaits: its failure is logged and counted, and the items wait for the next one. */
  async #flushInBackground(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      this.#component.failed(err, 'writing served items failed; kept for the next flush', {
        buffered: this.#buffer.length,
      });
    }
  }

  /** Writes everything buffered; resolves with how many rows were written. */
  async flush(): Promise<number> {
    // Waiting only: the flush in flight reports its own failure to whoever started it.
    while (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#buffer.length === 0) return 0;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = writeServed(this.#db, batch).catch((err) => {
      this.#buffer = batch.concat(this.#buffer);
      throw err;
    });
    try {
      return await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

/** The insert statement of `rows` served items, by row count: built (and hashed by the statement cache) once. */
const insertSql = new Map<number, string>();
function insertOf(rows: number): string {
  let sql = insertSql.get(rows);
  if (sql === undefined) {
    sql = `INSERT INTO served_items (request_id, position, user_id, video_id, model_version, index_version, propensity,
           features, served_at) VALUES ${valuesList(rows, COLUMNS)} ON CONFLICT DO NOTHING`;
    insertSql.set(rows, sql);
  }
  return sql;
}

/** Inserts served items in one transaction; a (request_id, position) already stored is kept as is. */
export async function writeServed(db: MetadataStore, items: readonly ServedItem[]): Promise<number> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
      const chunk = items.slice(i, i + ROWS_PER_INSERT);
      const params: SqlValue[] = [];
      for (const it of chunk) {
        params.push(
          it.requestId,
          it.position,
          it.userId,
          it.videoId,
          it.modelVersion,
          it.indexVersion,
          it.propensity,
          JSON.stringify(it.features),
          it.servedAt,
        );
      }
      await tx.run(insertOf(chunk.length), params);
    }
  });
  return items.length;
}

/** Served items of a time range [fromMs, toMs), oldest first. */
export async function readServed(db: MetadataStore, fromMs: number, toMs: number): Promise<ServedItem[]> {
  const rows = await db.all<Record<string, unknown>>(
    `SELECT request_id, position, user_id, video_id, model_version, index_version, propensity, features, served_at
       FROM served_items WHERE served_at >= $1 AND served_at < $2 ORDER BY served_at, request_id, position`,
    [fromMs, toMs],
  );
  return rows.map((r) => ({
    requestId: String(r.request_id),
    position: Number(r.position),
    userId: String(r.user_id),
    videoId: String(r.video_id),
    modelVersion: String(r.model_version),
    indexVersion: String(r.index_version),
    propensity: r.propensity === null || r.propensity === undefined ? null : Number(r.propensity),
    features: JSON.parse(String(r.features)) as Record<string, number>,
    servedAt: Number(r.served_at),
  }));
}

/** An engagement as the join needs it (a subset of the log's event). */
export interface JoinEvent {
  type: string;
  /** The user id, or the actor key for anonymous devices. */
  user: string;
  videoId?: string;
  targetUserId?: string;
  ts: number;
  watchMs?: number;
  durationMs?: number;
}

/** A served item with the labels its later engagement earned. */
export interface ServedExample extends ServedItem {
  labels: Labels;
}

/** Options of `joinServedWithEngagement`. */
export interface JoinOptions {
  /** Engagement later than this after the serve no longer counts (default 30 min). */
  windowMs?: number;
  /** Only items whose window closed by this time are emitted: their labels can no longer change. */
  asOfMs: number;
  /** Video → author, to credit a follow of the author after the serve. */
  authorOf?: ReadonlyMap<string, string>;
  /** Video → duration ms, when events do not carry it. */
  durationOf?: ReadonlyMap<string, number>;
}

/**
 * Training examples from served items and the engagement that followed them. An event labels a served
 * item by the one rule of `labelViews` (same user and video, at or after the serve, within the window
 * and before the same video was served to that user again), and labels mean what `signals.ts` says.
 * Events before the serve never count, and features come from serve time only, so nothing from the
 * future leaks in. Input order does not matter.
 */
export function joinServedWithEngagement(
  served: readonly ServedItem[],
  events: readonly JoinEvent[],
  opts: JoinOptions,
): ServedExample[] {
  const windowMs = opts.windowMs ?? 30 * 60_000;
  const pair = (user: string, video: string) => `${user}\u0000${video}`;
  // Follows name a user, not a video: credit every served video of that author.
  const authorVideos = new Map<string, string[]>();
  for (const [video, author] of opts.authorOf ?? [])
    authorVideos.set(author, [...(authorVideos.get(author) ?? []), video]);
  const pairEvents: PairEvent[] = [];
  for (const e of events) {
    const videos = e.type === 'follow' ? (authorVideos.get(e.targetUserId ?? '') ?? []) : e.videoId ? [e.videoId] : [];
    for (const videoId of videos)
      pairEvents.push({
        type: e.type,
        pair: pair(e.user, videoId),
        timeMs: e.ts,
        ...(e.watchMs !== undefined ? { watchMs: e.watchMs } : {}),
        ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
      });
  }
  // Every served item takes part in the labelling (a later serve ends an earlier one's window), but
  // only items whose window has closed are emitted: their labels can no longer change.
  const { views } = labelViews(
    served.map((s) => {
      const durationMs = opts.durationOf?.get(s.videoId);
      return { pair: pair(s.userId, s.videoId), timeMs: s.servedAt, ...(durationMs ? { durationMs } : {}) };
    }),
    pairEvents,
    windowMs,
  );
  return served.flatMap((s, i) =>
    s.servedAt + windowMs <= opts.asOfMs ? [{ ...s, labels: labelsOf(views[i]!) }] : [],
  );
}
