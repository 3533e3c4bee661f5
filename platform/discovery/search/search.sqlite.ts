import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import type { SearchIndex } from './ports.ts';
import { prefixUpperBound, SEARCHABLE, tagsByPrefix, usersWhere } from './search.common.ts';

/** `"cat"* "día"*`: every term as a word prefix (FTS5's implicit AND); terms hold no quotes (terms.ts). */
export function fts5Query(terms: readonly string[]): string {
  return terms.map((t) => `"${t}"*`).join(' ');
}

/**
 * The embedded search: the `videos_fts` FTS5 table (migration 024) that triggers keep in step with
 * `videos`, ranked by BM25; handles by one range of the UNIQUE (handle) index.
 */
export function sqliteSearchIndex(db: SqlExecutor): SearchIndex {
  return {
    async videos(terms, offset, limit) {
      if (terms.length === 0) return [];
      const rows = await db.all<{ id: string }>(
        `SELECT v.id FROM videos_fts JOIN videos v ON v.rowid = videos_fts.rowid
         WHERE videos_fts MATCH $1 AND ${SEARCHABLE}
         ORDER BY bm25(videos_fts), v.created_at DESC, v.id DESC LIMIT $2 OFFSET $3`,
        [fts5Query(terms), limit, offset],
      );
      return rows.map((r) => r.id);
    },
    async users(prefix, limit) {
      if (prefix === '') return [];
      return usersWhere(db, 'u.handle >= $1 AND u.handle < $2', [prefix, prefixUpperBound(prefix)], limit);
    },
    tags: (prefix, limit) => tagsByPrefix(db, prefix, limit),
  };
}
