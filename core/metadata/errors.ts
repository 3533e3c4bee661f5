/** Recognises backend errors that repositories turn into domain errors (e.g. a taken handle → HANDLE_TAKEN). */

// SQLite extended result codes: SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
const SQLITE_UNIQUE_CODES = new Set([2067, 1555]);
// PostgreSQL SQLSTATE unique_violation.
const PG_UNIQUE_VIOLATION = '23505';

/** True when `err` is a UNIQUE or PRIMARY KEY violation from either backend. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errcode?: unknown };
  if (e.code === 'ERR_SQLITE_ERROR') return typeof e.errcode === 'number' && SQLITE_UNIQUE_CODES.has(e.errcode);
  return e.code === PG_UNIQUE_VIOLATION;
}
