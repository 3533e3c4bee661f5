import { AppError } from '../../core/errors/registry.ts';

/** A candidate for a page: a video id and the cursor that resumes right after it. */
export interface Candidate {
  id: string;
  cursor: string;
}

/** Most candidate batches one page reads before it answers short (with a cursor to go on). */
export const MAX_BATCHES = 5;

/**
 * One page of the candidates the viewer may see. Candidates come from `fetch` in order, in batches of
 * twice the page (at least 20); `keep` is the access check, so a hidden video costs a slot in a batch,
 * never a place on the page. The next cursor resumes after the last candidate looked at; null at the end.
 */
export async function visiblePage(
  fetch: (after: string | undefined, n: number) => Promise<Candidate[]>,
  keep: (ids: string[]) => Promise<Set<string>>,
  cursor: string | undefined,
  limit: number,
): Promise<{ ids: string[]; next_cursor: string | null }> {
  const ids: string[] = [];
  const n = Math.max(limit * 2, 20);
  let at = cursor;
  for (let batchNo = 0; batchNo < MAX_BATCHES; batchNo++) {
    const batch = await fetch(at, n);
    const kept = batch.length > 0 ? await keep(batch.map((c) => c.id)) : new Set<string>();
    for (const [i, c] of batch.entries()) {
      at = c.cursor;
      if (!kept.has(c.id)) continue;
      ids.push(c.id);
      if (ids.length === limit) {
        const exhausted = i === batch.length - 1 && batch.length < n;
        return { ids, next_cursor: exhausted ? null : at };
      }
    }
    if (batch.length < n) return { ids, next_cursor: null };
  }
  return { ids, next_cursor: at ?? null };
}

/** An opaque cursor for a position in a ranked list. */
export function encodeOffset(offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url');
}

/** The position in an `encodeOffset` cursor (0 without one), or 400 INVALID_CURSOR. */
export function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = /^[A-Za-z0-9_-]{1,40}$/.test(cursor)
    ? /^o(\d{1,7})$/.exec(Buffer.from(cursor, 'base64url').toString())
    : null;
  if (!m) throw new AppError('INVALID_CURSOR');
  return Number(m[1]);
}

/** Candidates of a ranked list read by offset: each one's cursor is the offset after it. */
export function byOffset(read: (offset: number, n: number) => Promise<string[]>) {
  return async (after: string | undefined, n: number): Promise<Candidate[]> => {
    const start = decodeOffset(after);
    return (await read(start, n)).map((id, i) => ({ id, cursor: encodeOffset(start + i + 1) }));
  };
}
