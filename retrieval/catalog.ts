import type { Clock } from '../core/clock.ts';
import type { SqlExecutor } from '../core/metadata/ports.ts';
import type { Telemetry } from '../core/telemetry/telemetry.ts';
import { type CountersRow, countersRepo } from '../domain/repos/counters.repo.ts';
import type { CatalogStats, CatalogVideo } from './catalog-video.ts';
import {
  addToGroup,
  insertNewest,
  newerFirst,
  popularity,
  removeFromGroup,
  removeNewest,
  topByPopularity,
} from './catalog-views.ts';

export type { CatalogStats, CatalogVideo } from './catalog-video.ts';
export { popularity };

const COLUMNS =
  'id, author_id, privacy, caption, hashtags, created_at, duration_ms, version, poster_key, renditions, processed_at, deleted_at, status, moderation, author_private';
/** Shortest interval between two popularity rankings of the whole catalogue. */
const POPULAR_RESORT_MS = 10_000;
/** How many of the most popular videos `popular()` keeps ranked. */
export const POPULAR_KEEP = 5_000;
/** Changes in one batch beyond which the derived views are rebuilt by sorting rather than one by one. */
const REBUILD_OVER = 5_000;
/** Rows a writer's clock may lag behind ours; the incremental refresh re-reads this much overlap. */
const SKEW_MS = 5_000;

// The lowest-bandwidth rendition's playlist key; a malformed column (only a hand edit makes one) gives none.
function startKeyOf(text: unknown): string | null {
  try {
    const v = JSON.parse(String(text ?? '[]')) as { bandwidth?: number; playlist_key?: string }[];
    if (!Array.isArray(v)) return null;
    const lowest = [...v].sort((a, b) => (a.bandwidth ?? 0) - (b.bandwidth ?? 0))[0];
    return typeof lowest?.playlist_key === 'string' ? lowest.playlist_key : null;
  } catch {
    return null;
  }
}

/** Distinct strings kept by `intern` before it starts over (authors and hashtags number far fewer). */
const INTERN_MAX = 1_000_000;

/**
 * One string object per distinct author id and hashtag: every row read from the database carries copies
 * of its own, and 100k catalogue rows held about 100k author ids and 200k hashtags (some 10 MB) where a
 * few thousand distinct strings do.
 */
function interner(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    const got = seen.get(s);
    if (got !== undefined) return got;
    if (seen.size >= INTERN_MAX) seen.clear();
    seen.set(s, s);
    return s;
  };
}

// Shared by every video without tags; frozen, so no caller can change them all at once.
const NO_TAGS = Object.freeze([]) as unknown as string[];
const PRIVACY = new Map<unknown, CatalogVideo['privacy']>([
  ['public', 'public'],
  ['private', 'private'],
  ['friends', 'friends'],
]);

// A malformed hashtags column (only a hand edit makes one) serves the video without tags.
function parseTags(text: unknown, intern: (s: string) => string): string[] {
  try {
    const v = JSON.parse(String(text ?? '[]'));
    return Array.isArray(v) && v.length > 0 ? v.map((t) => intern(String(t))) : NO_TAGS;
  } catch {
    return NO_TAGS;
  }
}

function sameVideo(a: CatalogVideo, b: CatalogVideo): boolean {
  return (
    a.authorId === b.authorId &&
    a.privacy === b.privacy &&
    a.createdAt === b.createdAt &&
    a.version === b.version &&
    a.posterKey === b.posterKey &&
    (a.startKey ?? null) === (b.startKey ?? null) &&
    (a.moderation ?? 'none') === (b.moderation ?? 'none') &&
    (a.authorPrivate ?? false) === (b.authorPrivate ?? false) &&
    a.durationMs === b.durationMs &&
    a.caption === b.caption &&
    a.hashtags.join('\u0000') === b.hashtags.join('\u0000')
  );
}

const zero = (): CatalogStats => ({ views: 0, likes: 0, comments: 0, shares: 0 });

/**
 * An in-memory view of every servable video (ready, not deleted, not removed by a moderator), indexed by id, author, tag and
 * upload time. `refresh()` applies what changed since the last call (new ready videos by `processed_at`,
 * deletions by `deleted_at`, edits by `updated_at`, counters by theirs); `load()` re-reads everything. Per-request checks re-read live state, so a lag
 * of seconds here never serves a deleted or private video.
 */
export class Catalog {
  readonly #videos = new Map<string, CatalogVideo>();
  // Derived views, maintained on every change (see catalog-views.ts): `#list` in arbitrary but stable
  // order with each video's position, the newest-first lists, and the popularity ranking (recomputed).
  #list: CatalogVideo[] = [];
  readonly #pos = new Map<string, number>();
  #newest: CatalogVideo[] = [];
  #byAuthor = new Map<string, CatalogVideo[]>();
  #byTag = new Map<string, CatalogVideo[]>();
  #popular: CatalogVideo[] = [];
  #popularSortedAt = 0;
  #popularDirty = false;
  readonly #popularEveryMs: number;
  /** Our clock when the last successful read began (0 before the first load). */
  #readAt = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners: ((added: CatalogVideo[]) => void)[] = [];
  /** Ms the last refresh took, and when it ran. */
  lastRefresh = { ms: 0, atMs: 0, error: undefined as string | undefined };
  readonly #toVideo: (r: Record<string, unknown>) => CatalogVideo = videoReader(interner());

  /** A catalogue of fixed videos (tests, offline replay). */
  /** `popularEveryMs`: the shortest interval between two popularity rankings (tests pass 0). */
  constructor(opts: { popularEveryMs?: number } = {}) {
    this.#popularEveryMs = opts.popularEveryMs ?? POPULAR_RESORT_MS;
  }

  static fromVideos(videos: readonly CatalogVideo[]): Catalog {
    const c = new Catalog();
    c.#upsert(videos);
    return c;
  }

  get size(): number {
    return this.#videos.size;
  }

  get(id: string): CatalogVideo | undefined {
    return this.#videos.get(id);
  }

  /** Every video, in no particular order (stable between changes). */
  all(): readonly CatalogVideo[] {
    return this.#list;
  }

  /** An author's videos, newest first. */
  byAuthor(authorId: string): readonly CatalogVideo[] {
    return this.#byAuthor.get(authorId) ?? [];
  }

  /** Videos carrying a tag, newest first. */
  byTag(tag: string): readonly CatalogVideo[] {
    return this.#byTag.get(tag.toLowerCase()) ?? [];
  }

  /** Every video, newest upload first. */
  newest(): readonly CatalogVideo[] {
    return this.#newest;
  }

  /** The `POPULAR_KEEP` most popular videos (likes, then views…), most popular first. */
  popular(): readonly CatalogVideo[] {
    // Counters change constantly; re-ranking at most every few seconds bounds the cost.
    if (
      this.#popularDirty &&
      (this.#popular.length === 0 || performance.now() - this.#popularSortedAt >= this.#popularEveryMs)
    ) {
      this.#popularSortedAt = performance.now();
      this.#popular = topByPopularity(this.#newest, POPULAR_KEEP);
      this.#popularDirty = false;
    }
    return this.#popular;
  }

  /** Called with videos that became servable (the new-video indexer listens). */
  onAdded(listener: (added: CatalogVideo[]) => void): void {
    this.#listeners.push(listener);
  }

  /** Re-reads every servable video and counter. `nowMs` is our clock when the read starts. */
  async load(db: SqlExecutor, nowMs: number = Date.now()): Promise<void> {
    const rows = await db.all(
      `SELECT ${COLUMNS} FROM videos WHERE status = 'ready' AND deleted_at IS NULL AND moderation <> 'removed'`,
    );
    const counters = await countersRepo(db).list();
    const fresh = rows.map(this.#toVideo);
    const keep = new Set(fresh.map((v) => v.id));
    this.#remove([...this.#videos.keys()].filter((id) => !keep.has(id)));
    this.#upsert(fresh);
    this.#applyCounters(counters);
    this.#readAt = nowMs;
  }

  /**
   * Applies changes since the last load or refresh: rows stamped after the previous read began, less
   * the writers' clock skew. The watermark is our read time, not the newest row's stamp, so a burst
   * of rows sharing one stamp is read once rather than on every refresh.
   */
  async refresh(db: SqlExecutor, nowMs: number = Date.now()): Promise<void> {
    if (this.#readAt === 0) return this.load(db, nowMs);
    const since = this.#readAt - SKEW_MS;
    const rows = await db.all(
      `SELECT ${COLUMNS} FROM videos WHERE processed_at > $1 OR deleted_at > $1 OR updated_at > $1`,
      [since],
    );
    const counters = await countersRepo(db).list(since);
    const ready = rows.filter(
      (r) =>
        r.status === 'ready' && (r.deleted_at === null || r.deleted_at === undefined) && r.moderation !== 'removed',
    );
    this.#remove(rows.filter((r) => !ready.includes(r)).map((r) => String(r.id)));
    this.#upsert(ready.map(this.#toVideo));
    this.#applyCounters(counters);
    this.#readAt = nowMs;
  }

  /**
   * Refreshes every `refreshMs` and fully reloads every `reloadMs`; failures keep the last view and are
   * logged and counted (component `catalog`). Times go to `foryou_catalog_refresh_duration_seconds`.
   */
  start(db: SqlExecutor, clock: Clock, opts: { refreshMs?: number; reloadMs?: number; telemetry: Telemetry }): void {
    const refreshMs = opts.refreshMs ?? 2_000;
    const reloadMs = opts.reloadMs ?? 10 * 60_000;
    const log = opts.telemetry.component('catalog');
    const seconds = opts.telemetry.histogram({
      name: 'foryou_catalog_refresh_duration_seconds',
      help: 'Time of a catalogue refresh (changes since the last read) or full reload, on the event loop',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    const videos = opts.telemetry.gauge({ name: 'foryou_catalog_videos', help: 'Servable videos in the catalogue' });
    let lastLoad = clock.now();
    let running = false;
    this.#timer = setInterval(async () => {
      if (running) return;
      running = true;
      const t0 = performance.now();
      const full = clock.now() - lastLoad >= reloadMs;
      try {
        await (full ? this.load(db, clock.now()) : this.refresh(db, clock.now()));
        if (full) lastLoad = clock.now();
        this.#warm();
        this.lastRefresh = { ms: performance.now() - t0, atMs: clock.now(), error: undefined };
        seconds.observe({ kind: full ? 'load' : 'refresh' }, this.lastRefresh.ms / 1000);
        videos.set(this.size);
      } catch (err) {
        this.lastRefresh = { ms: performance.now() - t0, atMs: clock.now(), error: (err as Error).message };
        log.failed(err, 'catalogue refresh failed; serving the last view', { full });
      } finally {
        running = false;
      }
    }, refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Re-ranks popularity between requests, when due, so a request rarely pays for it. */
  #warm(): void {
    this.popular();
  }

  #upsert(videos: readonly CatalogVideo[]): void {
    const added: CatalogVideo[] = [];
    // The refresh overlap re-reads recent rows every time: unchanged ones must not touch the views.
    const changed = videos.filter((v) => {
      const old = this.#videos.get(v.id);
      return !old || !sameVideo(old, v);
    });
    if (changed.length === 0) return;
    const bulk = changed.length > REBUILD_OVER;
    for (const v of changed) {
      const old = this.#videos.get(v.id);
      if (old) {
        v.stats = old.stats;
        if (!bulk) this.#unindex(old);
        this.#list[this.#pos.get(v.id)!] = v;
      } else {
        added.push(v);
        this.#pos.set(v.id, this.#list.length);
        this.#list.push(v);
      }
      this.#videos.set(v.id, v);
      if (!bulk) this.#index(v);
    }
    if (bulk) this.#rebuild();
    this.#popularDirty = true;
    if (added.length > 0) for (const l of this.#listeners) l(added);
  }

  #remove(ids: readonly string[]): void {
    const gone = ids.flatMap((id) => {
      const v = this.#videos.get(id);
      return v ? [v] : [];
    });
    if (gone.length === 0) return;
    const bulk = gone.length > REBUILD_OVER;
    for (const v of gone) {
      if (!bulk) this.#unindex(v);
      this.#videos.delete(v.id);
      // Swap-remove keeps `#list` dense without shifting it.
      const at = this.#pos.get(v.id)!;
      const last = this.#list.pop()!;
      if (last.id !== v.id) {
        this.#list[at] = last;
        this.#pos.set(last.id, at);
      }
      this.#pos.delete(v.id);
    }
    if (bulk) this.#rebuild();
    this.#popularDirty = true;
  }

  #index(v: CatalogVideo): void {
    insertNewest(this.#newest, v);
    addToGroup(this.#byAuthor, v.authorId, v);
    for (const t of new Set(v.hashtags.map((x) => x.toLowerCase()))) addToGroup(this.#byTag, t, v);
  }

  #unindex(v: CatalogVideo): void {
    removeNewest(this.#newest, v);
    removeFromGroup(this.#byAuthor, v.authorId, v);
    for (const t of new Set(v.hashtags.map((x) => x.toLowerCase()))) removeFromGroup(this.#byTag, t, v);
  }

  /** Rebuilds the newest-first views by sorting: the first load, or a change too large to apply one by one. */
  #rebuild(): void {
    this.#newest = [...this.#list].sort(newerFirst);
    const byAuthor = new Map<string, CatalogVideo[]>();
    const byTag = new Map<string, CatalogVideo[]>();
    const push = (m: Map<string, CatalogVideo[]>, k: string, v: CatalogVideo) => {
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    // Walking `#newest` leaves every group newest-first without sorting it.
    for (const v of this.#newest) {
      push(byAuthor, v.authorId, v);
      for (const t of new Set(v.hashtags.map((x) => x.toLowerCase()))) push(byTag, t, v);
    }
    this.#byAuthor = byAuthor;
    this.#byTag = byTag;
  }

  #applyCounters(rows: readonly CountersRow[]): void {
    let changedCounters = 0;
    for (const r of rows) {
      const v = this.#videos.get(String(r.video_id));
      if (!v) continue;
      const s = v.stats;
      if (
        s.views === Number(r.views) &&
        s.likes === Number(r.likes) &&
        s.comments === Number(r.comments) &&
        s.shares === Number(r.shares)
      )
        continue;
      changedCounters++;
      v.stats = {
        views: Number(r.views),
        likes: Number(r.likes),
        comments: Number(r.comments),
        shares: Number(r.shares),
      };
    }
    if (changedCounters > 0) this.#popularDirty = true;
  }
}

/** Turns a `videos` row into a catalogue entry, sharing the author ids, hashtags and privacy strings. */
function videoReader(intern: (s: string) => string): (r: Record<string, unknown>) => CatalogVideo {
  return (r) => toVideo(r, intern);
}

function toVideo(r: Record<string, unknown>, intern: (s: string) => string): CatalogVideo {
  return {
    id: String(r.id),
    authorId: intern(String(r.author_id)),
    privacy: PRIVACY.get(r.privacy) ?? (r.privacy as CatalogVideo['privacy']),
    hashtags: parseTags(r.hashtags, intern),
    caption: typeof r.caption === 'string' ? r.caption : '',
    createdAt: Number(r.created_at),
    durationMs: r.duration_ms === null || r.duration_ms === undefined ? null : Number(r.duration_ms),
    version: Number(r.version ?? 1),
    posterKey: (r.poster_key as string | null) ?? null,
    startKey: startKeyOf(r.renditions),
    ...(r.moderation !== undefined && r.moderation !== null && r.moderation !== 'none'
      ? { moderation: String(r.moderation) }
      : {}),
    ...(Number(r.author_private ?? 0) === 1 ? { authorPrivate: true } : {}),
    stats: zero(),
  };
}
