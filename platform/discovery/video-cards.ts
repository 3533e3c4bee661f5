import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList } from '../../core/metadata/sql.ts';
import type { VideoCounters } from '../engagement/counters.ts';
import { visibleVideos } from '../engagement/lookups.ts';
import { authorsOf } from '../feed/items.ts';
import { playbackLinks } from '../media/playback-urls.ts';

/** A video in a grid or a list (search, hashtag pages, profiles): enough to draw a tile and open it. */
export interface VideoCard {
  id: string;
  author: { id: string; handle: string; display_name: string };
  caption: string;
  hashtags: string[];
  duration_ms: number | null;
  created_at: number;
  /** Absolute; carries a playback token for non-public videos; null until a poster exists. */
  poster_url: string | null;
  stats: { views: number; likes: number; comments: number; shares: number };
}

/** How cards sign their poster URLs. */
export interface CardLinks {
  secret: string;
  nowMs: number;
  ttlS: number;
  publicBaseUrl: string;
}

/** The ids among `ids` the viewer may see: the one access rule (`visibleVideos`, hence `canView`). */
export async function visibleIds(db: SqlExecutor, ids: string[], viewerId: string | undefined): Promise<Set<string>> {
  return new Set((await visibleVideos(db, ids, viewerId)).keys());
}

interface CardRow {
  id: string;
  author_id: string;
  caption: string;
  hashtags: string;
  privacy: string;
  author_private: number;
  poster_key: string | null;
  duration_ms: number | null;
  created_at: number;
}

function tagsOf(raw: string): string[] {
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** Cards for ids already checked by `visibleIds`, in the order given, with live counts. */
export async function videoCards(
  db: SqlExecutor,
  counters: Pick<VideoCounters, 'get'>,
  ids: readonly string[],
  viewerId: string | undefined,
  links: CardLinks,
): Promise<VideoCard[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<CardRow>(
    `SELECT id, author_id, caption, hashtags, privacy, author_private, poster_key, duration_ms, created_at
     FROM videos WHERE id IN (${inList(ids.length)})`,
    [...ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const [authors, counts] = await Promise.all([
    authorsOf(
      db,
      rows.map((r) => r.author_id),
    ),
    counters.get(ids),
  ]);
  const cards: VideoCard[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (!r) continue;
    const url = playbackLinks(
      { id: r.id, privacy: r.privacy, authorPrivate: Number(r.author_private) === 1 },
      { ...links, viewerId },
    ).url;
    cards.push({
      id: r.id,
      author: authors.get(r.author_id)!,
      caption: r.caption,
      hashtags: tagsOf(r.hashtags),
      duration_ms: r.duration_ms === null ? null : Number(r.duration_ms),
      created_at: Number(r.created_at),
      poster_url: r.poster_key ? url(r.poster_key) : null,
      stats: counts.get(id) ?? { views: 0, likes: 0, comments: 0, shares: 0 },
    });
  }
  return cards;
}
