import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import { OPEN_TO_ANYONE_SQL } from '../../../domain/access.ts';
import type { TagHit, UserHit } from './ports.ts';

/** What every backend's video query keeps out: removed, deleted and unfinished videos. */
export const SEARCHABLE = "v.deleted_at IS NULL AND v.status = 'ready' AND v.moderation <> 'removed'";

/**
 * The first string after every string starting with `prefix` in binary order (the last character
 * incremented), so `>= prefix AND < upper` reads one range of an index.
 */
export function prefixUpperBound(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1)!;
  const head = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1));
  return head + String.fromCodePoint(last + 1);
}

/**
 * Tags by prefix: one range of the `video_hashtags (tag)` index, re-checked with `substr` so a
 * collation that orders differently from bytes cannot let a non-matching tag in.
 */
export async function tagsByPrefix(db: SqlExecutor, prefix: string, limit: number): Promise<TagHit[]> {
  if (prefix === '') return [];
  const rows = await db.all<{ tag: string; n: number }>(
    `SELECT h.tag, COUNT(*) AS n FROM video_hashtags h JOIN videos v ON v.id = h.video_id
     WHERE h.tag >= $1 AND h.tag < $2 AND substr(h.tag, 1, $3) = $1 AND ${SEARCHABLE} AND ${OPEN_TO_ANYONE_SQL}
     GROUP BY h.tag ORDER BY n DESC, h.tag LIMIT $4`,
    [prefix, prefixUpperBound(prefix), [...prefix].length, limit],
  );
  return rows.map((r) => ({ tag: r.tag, video_count: Number(r.n) }));
}

/** Users by handle prefix, given the backend's condition on `u.handle` (with `$1` the prefix). */
export async function usersWhere(
  db: SqlExecutor,
  condition: string,
  params: readonly (string | number)[],
  limit: number,
): Promise<UserHit[]> {
  return db.all<UserHit>(
    `SELECT u.id, u.handle, u.display_name FROM users u
     WHERE ${condition} AND u.deleted_at IS NULL AND u.banned_at IS NULL
     ORDER BY length(u.handle), u.handle LIMIT $${params.length + 1}`,
    [...params, limit],
  );
}
