import { AppError } from '../../core/errors/registry.ts';
import { sameMac, sign } from '../../core/signing/hmac.ts';
import type { FeedType } from '../../feed/for-you/types.ts';

/** What a feed cursor carries: the session whose served ids must not repeat, and whose it is. */
export interface FeedCursor {
  /** Session id. */
  s: string;
  /** Page number (0 = the first page). */
  p: number;
  /** Issued at, epoch ms. */
  t: number;
}

function mac(secret: string, payload: string, bind: string): string {
  return sign(secret, 'foryou-feed-cursor-v1', [bind, payload]);
}

/** An opaque cursor `<payload>.<hmac>`, valid only for the same actor and feed type. */
export function encodeCursor(secret: string, c: FeedCursor, bind: { actor: string; feedType: FeedType }): string {
  const payload = Buffer.from(JSON.stringify(c)).toString('base64url');
  return `${payload}.${mac(secret, payload, `${bind.actor}\n${bind.feedType}`)}`;
}

/**
 * Verifies and decodes a cursor; a tampered, foreign (another actor's or feed's) or expired one is
 * 400 INVALID_CURSOR.
 */
export function decodeCursor(
  secret: string,
  cursor: string,
  bind: { actor: string; feedType: FeedType },
  opts: { nowMs: number; maxAgeMs: number },
): FeedCursor {
  const bad = () => new AppError('INVALID_CURSOR');
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(cursor);
  if (!m) throw bad();
  if (!sameMac(mac(secret, m[1]!, `${bind.actor}\n${bind.feedType}`), m[2]!)) throw bad();
  let c: FeedCursor;
  try {
    c = JSON.parse(Buffer.from(m[1]!, 'base64url').toString()) as FeedCursor;
  } catch {
    throw bad();
  }
  if (typeof c.s !== 'string' || !Number.isInteger(c.p) || typeof c.t !== 'number') throw bad();
  if (opts.nowMs - c.t > opts.maxAgeMs)
    throw new AppError('INVALID_CURSOR', 'The feed session has expired; start again without a cursor.');
  return c;
}
