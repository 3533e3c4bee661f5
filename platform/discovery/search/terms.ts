/**
 * The one tokeniser of search input, so both backends receive the same words: Unicode NFKC, lower case,
 * split on anything but letters, marks and digits ("#Cats, día_1" gives cats, día, 1), without repeats.
 * Terms are only letters, marks and digits, so they are safe inside an FTS5 or tsquery expression.
 */
export const MAX_TERMS = 8;
const MAX_TERM_LENGTH = 50;

export function searchTerms(query: string): string[] {
  const words = query
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((w) => w !== '')
    .map((w) => w.slice(0, MAX_TERM_LENGTH));
  return [...new Set(words)].slice(0, MAX_TERMS);
}

/** A handle or tag prefix as stored (lower case, NFKC), without a leading "@" or "#". */
export function namePrefix(query: string): string {
  return query.trim().replace(/^[@#]/, '').normalize('NFKC').toLowerCase().slice(0, 50);
}
