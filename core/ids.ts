import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A sortable, URL-safe id: 10 chars of millisecond time then 16 random chars (Crockford base32,
 * lower case). Ids sort by creation time, which keyset pagination relies on.
 */
export function newId(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return time + rand;
}

/** True for a string shaped like `newId()` output. */
export function isId(value: string): boolean {
  return /^[0-9a-hjkmnp-tv-z]{26}$/.test(value);
}
