/**
 * SQL text helpers shared by the backends: placeholder translation and the per-dialect line prefixes
 * that migrations may use.
 */

/** The SQL dialects a MetadataStore speaks. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * Rewrites PostgreSQL's `$1, $2, …` placeholders as SQLite's `?1, ?2, …`, which bind by number, so the
 * same parameter array works on both. Text inside quotes and comments is left alone.
 */
export function toSqlitePlaceholders(sql: string): string {
  if (!sql.includes('$')) return sql;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const end = skipQuotedOrComment(sql, i);
    if (end > i) {
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && isDigit(sql[i + 1])) {
      let j = i + 1;
      while (isDigit(sql[j])) j++;
      out += '?' + sql.slice(i + 1, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** The index just past a quoted string, quoted identifier or comment starting at `i`; `i` when none starts there. */
function skipQuotedOrComment(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < sql.length) {
      // A doubled quote stands for itself and does not end the text.
      if (sql[j] !== c) j++;
      else if (sql[j + 1] === c) j += 2;
      else return j + 1;
    }
    return sql.length;
  }
  if (c === '-' && sql[i + 1] === '-') {
    const nl = sql.indexOf('\n', i);
    return nl === -1 ? sql.length : nl;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return close === -1 ? sql.length : close + 2;
  }
  return i;
}

/**
 * Migration text for one dialect. A line starting `-- sqlite: ` or `-- postgres: ` is SQL for that
 * dialect only: the prefix is removed for it and the line stays a comment for the other. Use it only
 * where the dialects truly differ.
 */
export function forDialect(sql: string, dialect: Dialect): string {
  const prefix = `-- ${dialect}: `;
  return sql
    .split('\n')
    .map((line) => {
      const trimmed = line.trimStart();
      return trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : line;
    })
    .join('\n');
}

/** `$from, $from+1, …`: `n` numbered placeholders for an `IN (…)` list. */
export function inList(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
}

/** `($1, $2), ($3, $4), …`: `rows` tuples of `width` numbered placeholders for a multi-row `VALUES`. */
export function valuesList(rows: number, width: number): string {
  return Array.from({ length: rows }, (_, r) => `(${inList(width, r * width + 1)})`).join(', ');
}
