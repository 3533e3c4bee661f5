import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import type { SearchIndex } from './ports.ts';
import { SEARCHABLE, tagsByPrefix, usersWhere } from './search.common.ts';

/** The indexed expression of migration 024's `videos_search` GIN index; queries must repeat it exactly. */
const DOCUMENT = "to_tsvector('simple'::regconfig, v.caption || ' ' || v.hashtags)";

/** `cat:* & día:*`: every term as a word prefix; terms are letters, marks and digits only (terms.ts). */
export function tsQuery(terms: readonly string[]): string {
  return terms.map((t) => `${t}:*`).join(' & ');
}

/** `_`, `%` and `\` taken literally in a LIKE pattern. */
function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The scaled search: PostgreSQL full text over captions and hashtags (the `simple` configuration: no
 * stemming, no stop words, like FTS5's unicode61) ranked by ts_rank; handles by a LIKE prefix that the
 * `text_pattern_ops` index serves.
 */
export function postgresSearchIndex(db: SqlExecutor): SearchIndex {
  return {
    async videos(terms, offset, limit) {
      if (terms.length === 0) return [];
      const rows = await db.all<{ id: string }>(
        `SELECT v.id FROM videos v, to_tsquery('simple'::regconfig, $1) q
         WHERE ${DOCUMENT} @@ q AND ${SEARCHABLE}
         ORDER BY ts_rank(${DOCUMENT}, q) DESC, v.created_at DESC, v.id DESC LIMIT $2 OFFSET $3`,
        [tsQuery(terms), limit, offset],
      );
      return rows.map((r) => r.id);
    },
    async users(prefix, limit) {
      if (prefix === '') return [];
      return usersWhere(db, "u.handle LIKE $1 ESCAPE '\\'", [`${likeLiteral(prefix)}%`], limit);
    },
    tags: (prefix, limit) => tagsByPrefix(db, prefix, limit),
  };
}
