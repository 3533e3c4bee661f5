import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList } from '../../core/metadata/sql.ts';
import { likesRepo } from '../../domain/repos/likes.repo.ts';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import type { Candidate, PipelineResult } from '../../feed/for-you/types.ts';
import type { CatalogStats, CatalogVideo } from '../../retrieval/catalog.ts';
import { mediaKeys } from '../media/media-keys.ts';
import { DEFAULT_PLAYBACK_TOKEN_TTL_S, playbackLinks } from '../media/playback-urls.ts';

/** One feed item as the API returns it. */
export interface FeedItem {
  id: string;
  playback: {
    master_url: string;
    poster_url: string | null;
    /**
     * The lowest rendition's playlist, initialization segment and first segment: what a player fetches
     * first, fetched at once.
     */
    start: { playlist_url: string; init_url: string; segment_url: string } | null;
  };
  author: { id: string; handle: string; display_name: string };
  caption: string;
  hashtags: string[];
  duration_ms: number | null;
  stats: CatalogStats;
  created_at: number;
  /** Whether the signed-in viewer likes it (always false for anonymous viewers). */
  liked_by_me: boolean;
  explain?: Record<string, unknown>;
}

/** Absolute origin URLs of a video's master playlist and poster (the same builder as `GET /videos/:id`); non-public media carries a playback token. */
export function playbackUrls(
  v: CatalogVideo,
  opts: { secret: string; nowMs: number; viewerId: string | undefined; tokenTtlS?: number; publicBaseUrl: string },
): FeedItem['playback'] {
  const links = playbackLinks(
    { ...v, authorPrivate: v.authorPrivate ?? false },
    {
      secret: opts.secret,
      viewerId: opts.viewerId,
      nowMs: opts.nowMs,
      ttlS: opts.tokenTtlS ?? DEFAULT_PLAYBACK_TOKEN_TTL_S,
      publicBaseUrl: opts.publicBaseUrl,
    },
  );
  return {
    master_url: links.url(mediaKeys.master(v.id, v.version)),
    poster_url: v.posterKey ? links.url(v.posterKey) : null,
    start: v.startKey
      ? {
          playlist_url: links.url(v.startKey),
          init_url: links.url(mediaKeys.initSegment(v.startKey)),
          segment_url: links.url(mediaKeys.firstSegment(v.startKey)),
        }
      : null,
  };
}

/** Handles and display names of the page's authors (a deleted author shows as a placeholder). */
export async function authorsOf(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, FeedItem['author']>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, FeedItem['author']>();
  if (unique.length === 0) return out;
  const rows = await db.all<{ id: string; handle: string; display_name: string }>(
    `SELECT id, handle, display_name FROM users WHERE id IN (${inList(unique.length)})`,
    unique,
  );
  for (const r of rows) out.set(r.id, { id: r.id, handle: r.handle, display_name: r.display_name });
  for (const id of unique) if (!out.has(id)) out.set(id, { id, handle: 'unknown', display_name: 'Unknown' });
  return out;
}

/**
 * `authorsOf` behind a short in-process cache: a page's handles are read from the database at most
 * once per `ttlMs` per author, so a renamed handle shows within that bound.
 */
export class AuthorDirectory {
  readonly #db: SqlExecutor;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; author: FeedItem['author'] }>();

  constructor(db: SqlExecutor, opts: { ttlMs?: number; now?: () => number } = {}) {
    this.#db = db;
    this.#ttlMs = opts.ttlMs ?? 10_000;
    this.#now = opts.now ?? (() => performance.now());
  }

  async get(ids: readonly string[]): Promise<Map<string, FeedItem['author']>> {
    const t = this.#now();
    const out = new Map<string, FeedItem['author']>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.#cache.get(id);
      if (hit && t - hit.at < this.#ttlMs) out.set(id, hit.author);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const read = await authorsOf(this.#db, missing);
    if (this.#cache.size > 100_000) this.#cache.clear();
    for (const [id, author] of read) {
      out.set(id, author);
      // A placeholder (author row missing) is not cached: the row may be mid-creation.
      if (author.handle !== 'unknown') this.#cache.set(id, { at: t, author });
    }
    return out;
  }
}

const TAG_AFFINITY = FEATURE_NAMES.indexOf('x_tag_affinity_max');
const AUTHOR_AFFINITY = FEATURE_NAMES.indexOf('x_author_affinity');

/**
 * Why an item is on the page: sources and ranks, score, head predictions, value terms, rules, and the
 * viewer's learned interest in its hashtags and creator (the online affinities, when features were hydrated).
 */
export function explainItem(c: Candidate): Record<string, unknown> {
  const f = c.features;
  return {
    sources: c.sources,
    interest: f ? { tag_affinity: f[TAG_AFFINITY] ?? 0, author_affinity: f[AUTHOR_AFFINITY] ?? 0 } : null,
    score: c.score,
    heads: c.heads ?? null,
    value_terms: c.valueTerms ?? null,
    rules: c.rules,
    propensity: c.propensity,
  };
}

/**
 * The request-level explanation: per-stage ms, per-source counts, removals per filter, degradations.
 * Removals are counts only: the ids a privacy or block filter removed are other users' videos the
 * viewer may not even know exist.
 */
export function explainTrace(r: PipelineResult): Record<string, unknown> {
  return {
    scorer: r.trace.scorer,
    candidates: r.trace.candidates,
    ranked: r.trace.ranked,
    ...(r.trace.scoredCache ? { scored_cache: r.trace.scoredCache } : {}),
    stages_ms: r.trace.stages,
    sources: r.trace.sources,
    removed: Object.fromEntries(Object.entries(r.trace.removed).map(([k, ids]) => [k, { count: ids.length }])),
    errors: r.trace.errors,
  };
}

/** Which of `ids` the viewer has liked: one query per page, none for anonymous viewers. */
export async function likedBy(
  db: SqlExecutor,
  viewer: string | undefined,
  ids: readonly string[],
): Promise<Set<string>> {
  if (!viewer) return new Set();
  return likesRepo(db).likedAmong(viewer, ids);
}
