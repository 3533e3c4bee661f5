import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { OPEN_TO_ANYONE_SQL } from '../../domain/access.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import type { AppDeps } from '../api/deps.ts';
import { VideoCounters } from '../engagement/counters.ts';
import { decodeCursor, encodeCursor } from '../engagement/cursor.ts';
import { byOffset, type Candidate, visiblePage } from './paging.ts';
import type { SearchIndex, TagHit, UserHit } from './search/ports.ts';
import { SEARCHABLE } from './search/search.common.ts';
import { namePrefix, searchTerms } from './search/terms.ts';
import { type CardLinks, type VideoCard, videoCards, visibleIds } from './video-cards.ts';

/** A page of video cards. */
export interface CardPage {
  items: VideoCard[];
  next_cursor: string | null;
}

/** How far back trending hashtags look. */
export const TRENDING_WINDOW_MS = 24 * 3_600_000;
/** Trending score weights: a new video, a like, a viewer-hour of watching, each inside the window. */
export const TRENDING_WEIGHTS = { video: 5, like: 2, view: 1 } as const;

/** A trending hashtag with what made its score. */
export interface TrendingTag {
  tag: string;
  score: number;
  videos: number;
  likes: number;
  views: number;
}

/** Videos trending may count: open to anyone (public, of a public account), ready and not held, limited or removed. */
const TRENDABLE = `v.deleted_at IS NULL AND v.status = 'ready' AND ${OPEN_TO_ANYONE_SQL} AND v.moderation = 'none'`;

/** Newest first by (created_at, id), resumable with an `encodeCursor` position. */
function tagRecent(db: SqlExecutor, tag: string) {
  return async (after: string | undefined, n: number): Promise<Candidate[]> => {
    const pos = after === undefined ? undefined : decodeCursor(after);
    const rows = await db.all<{ id: string; created_at: number }>(
      `SELECT v.id, v.created_at FROM video_hashtags h JOIN videos v ON v.id = h.video_id
       WHERE h.tag = $1 AND ${SEARCHABLE}${pos ? ' AND (v.created_at < $3 OR (v.created_at = $3 AND v.id < $4))' : ''}
       ORDER BY v.created_at DESC, v.id DESC LIMIT $2`,
      pos ? [tag, n, pos.t, pos.id] : [tag, n],
    );
    return rows.map((r) => ({ id: r.id, cursor: encodeCursor({ t: Number(r.created_at), id: r.id }) }));
  };
}

/** Most liked, then most viewed, then newest, by the counts as of the last counter flush (seconds behind). */
function tagTop(db: SqlExecutor, tag: string) {
  return byOffset(async (offset, n) =>
    (
      await db.all<{ id: string }>(
        `SELECT v.id FROM video_hashtags h JOIN videos v ON v.id = h.video_id
         LEFT JOIN video_counters c ON c.video_id = v.id
         WHERE h.tag = $1 AND ${SEARCHABLE}
         ORDER BY COALESCE(c.likes, 0) DESC, COALESCE(c.views, 0) DESC, v.created_at DESC, v.id DESC
         LIMIT $2 OFFSET $3`,
        [tag, n, offset],
      )
    ).map((r) => r.id),
  );
}

/**
 * Discovery: search, hashtag pages and trending hashtags. Every video passes the one access rule
 * (`visibleIds`) before it is shown; users on the other side of a block are never listed.
 */
export function discoveryService(
  deps: Pick<AppDeps, 'metadata' | 'config' | 'secret' | 'clock' | 'cache'> & { counters?: VideoCounters },
  index: SearchIndex,
) {
  const db = deps.metadata;
  const counters = deps.counters ?? new VideoCounters(deps);
  const links = (): CardLinks => ({
    secret: deps.secret,
    nowMs: deps.clock.now(),
    ttlS: deps.config.PLAYBACK_TOKEN_TTL_S,
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
  });
  async function cards(
    fetch: (after: string | undefined, n: number) => Promise<Candidate[]>,
    viewerId: string | undefined,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CardPage> {
    const { ids, next_cursor } = await visiblePage(
      fetch,
      (batch) => visibleIds(db, batch, viewerId),
      page.cursor,
      page.limit,
    );
    return { items: await videoCards(db, counters, ids, viewerId, links()), next_cursor };
  }
  async function unblocked<T extends { id: string }>(viewerId: string | undefined, users: T[]): Promise<T[]> {
    if (viewerId === undefined || users.length === 0) return users;
    const blocked = await blocksRepo(db).involving(viewerId);
    return users.filter((u) => !blocked.has(u.id));
  }

  /** Users whose handle starts with the prefix, shortest first, none across a block with the viewer. */
  async function searchUsers(viewerId: string | undefined, prefix: string, limit: number): Promise<UserHit[]> {
    // Read past the page by as many as could be hidden by blocks: a viewer's blocks are few.
    const blocked = viewerId ? (await blocksRepo(db).involving(viewerId)).size : 0;
    return (await unblocked(viewerId, await index.users(prefix, limit + blocked))).slice(0, limit);
  }

  return {
    /** Videos whose caption or hashtags match every word of `q` (as prefixes), best first. */
    searchVideos(viewerId: string | undefined, q: string, page: { cursor?: string | undefined; limit: number }) {
      const terms = searchTerms(q);
      return cards(
        byOffset((offset, n) => index.videos(terms, offset, n)),
        viewerId,
        page,
      );
    },

    /** Users whose handle starts with `q` (a leading "@" ignored), shortest first. */
    searchUsers: (viewerId: string | undefined, q: string, limit: number) =>
      searchUsers(viewerId, namePrefix(q), limit),

    /** Prefix suggestions as someone types: hashtags and handles. */
    async suggest(
      viewerId: string | undefined,
      q: string,
      limit: number,
    ): Promise<{ tags: TagHit[]; users: UserHit[] }> {
      const prefix = namePrefix(q);
      const [tags, users] = await Promise.all([
        q.trim().startsWith('@') ? [] : index.tags(prefix, limit),
        q.trim().startsWith('#') ? [] : searchUsers(viewerId, prefix, limit),
      ]);
      return { tags, users };
    },

    /** A hashtag's videos: `recent` (newest first, keyset cursor) or `top` (most liked, then viewed). */
    tagVideos(
      viewerId: string | undefined,
      tag: string,
      sort: 'recent' | 'top',
      page: { cursor?: string | undefined; limit: number },
    ) {
      return cards(sort === 'recent' ? tagRecent(db, tag) : tagTop(db, tag), viewerId, page);
    },

    /** A hashtag's header: how many ready videos open to anyone (`openToAnyone`) carry it. */
    async tag(tag: string): Promise<{ tag: string; video_count: number }> {
      const row = await db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM video_hashtags h JOIN videos v ON v.id = h.video_id
         WHERE h.tag = $1 AND ${SEARCHABLE} AND ${OPEN_TO_ANYONE_SQL}`,
        [tag],
      );
      return { tag, video_count: Number(row?.n ?? 0) };
    },

    /**
     * Hashtags ranked by activity over the last TRENDING_WINDOW_MS on public, ready videos that are not
     * held, limited or removed: new videos, likes and viewer-hours, weighted by TRENDING_WEIGHTS.
     */
    async trending(limit: number): Promise<TrendingTag[]> {
      const since = deps.clock.now() - TRENDING_WINDOW_MS;
      const grouped = (from: string, at: string) =>
        db.all<{ tag: string; n: number }>(
          `SELECT h.tag, COUNT(*) AS n FROM ${from} JOIN video_hashtags h ON h.video_id = v.id
           WHERE ${at} >= $1 AND ${TRENDABLE} GROUP BY h.tag`,
          [since],
        );
      const [videos, likes, views] = await Promise.all([
        grouped('videos v', 'v.created_at'),
        grouped('likes l JOIN videos v ON v.id = l.video_id', 'l.created_at'),
        grouped('views w JOIN videos v ON v.id = w.video_id', 'w.created_at'),
      ]);
      const tags = new Map<string, TrendingTag>();
      const add = (rows: { tag: string; n: number }[], key: 'videos' | 'likes' | 'views') => {
        for (const r of rows) {
          const t = tags.get(r.tag) ?? { tag: r.tag, score: 0, videos: 0, likes: 0, views: 0 };
          t[key] = Number(r.n);
          tags.set(r.tag, t);
        }
      };
      add(videos, 'videos');
      add(likes, 'likes');
      add(views, 'views');
      const w = TRENDING_WEIGHTS;
      for (const t of tags.values()) t.score = t.videos * w.video + t.likes * w.like + t.views * w.view;
      return [...tags.values()].sort((a, b) => b.score - a.score || (a.tag < b.tag ? -1 : 1)).slice(0, limit);
    },
  };
}

/** The discovery service's type. */
export type DiscoveryService = ReturnType<typeof discoveryService>;
