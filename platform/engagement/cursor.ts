import { AppError } from '../../core/errors/registry.ts';

/** A keyset position: the (created_at, id) of the last item of a page. */
export interface KeysetPosition {
  t: number;
  id: string;
}

/** An opaque base64url cursor for a keyset position. */
export function encodeCursor(pos: KeysetPosition): string {
  return Buffer.from(JSON.stringify([pos.t, pos.id])).toString('base64url');
}

/** The position in a cursor, or 400 INVALID_CURSOR for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): KeysetPosition {
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw new Error('not base64url');
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      Number.isSafeInteger(v[0]) &&
      v[0] >= 0 &&
      typeof v[1] === 'string' &&
      v[1].length > 0 &&
      v[1].length <= 200
    ) {
      return { t: v[0], id: v[1] };
    }
  } catch {
    // Falls through to the one error every bad cursor gets.
  }
  throw new AppError('INVALID_CURSOR');
}
