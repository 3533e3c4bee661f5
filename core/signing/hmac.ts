import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one place the platform signs with its secret: HMAC-SHA256 over a purpose tag and the fields,
 * joined by newlines, so a MAC made for one purpose (a playback token) never verifies for another (a
 * feed cursor). Callers choose the text encoding their format already uses.
 */
export function sign(
  secret: string,
  purpose: string,
  fields: readonly string[],
  encoding: 'base64url' | 'hex' = 'base64url',
): string {
  return createHmac('sha256', secret)
    .update([purpose, ...fields].join('\n'))
    .digest(encoding);
}

/** Constant-time comparison of a MAC from `sign` with one a client sent; false on any length mismatch. */
export function sameMac(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
