/** Throws unless `ttlMs` is omitted, 0 (no expiry) or a positive integer number of milliseconds. */
export function checkTtl(ttlMs: number | undefined): number {
  if (ttlMs === undefined) return 0;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) {
    throw new Error(`Cache: ttlMs must be a non-negative integer of milliseconds, got ${ttlMs}`);
  }
  return ttlMs;
}

/** Throws unless `ttlMs` is a positive integer: a marker that never expires would pile up forever. */
export function checkMarkerTtl(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new Error(`Cache: a marker's ttlMs must be a positive integer of milliseconds, got ${ttlMs}`);
  }
  return ttlMs;
}

/** Throws unless `by` is a safe integer, the only increments both backends agree on. */
export function checkIncrement(by: number): number {
  if (!Number.isSafeInteger(by)) throw new Error(`Cache: incrBy takes an integer, got ${by}`);
  return by;
}

/** Throws unless `score` is a finite number (Redis refuses NaN; infinities would not survive a round trip). */
export function checkScore(score: number): number {
  if (!Number.isFinite(score)) throw new Error(`Cache: a sorted-set score must be a finite number, got ${score}`);
  return score;
}

/** Throws unless `keep` is a non-negative integer. */
export function checkKeep(keep: number): number {
  if (!Number.isSafeInteger(keep) || keep < 0) throw new Error(`Cache: zTrimTop keeps a count >= 0, got ${keep}`);
  return keep;
}

/**
 * Orders members like Redis does on equal scores: by their UTF-8 bytes. UTF-8 byte order is code point
 * order, which UTF-16 code units share below the surrogates (U+D800): the first differing unit decides
 * there without encoding either string; only a difference at or above U+D800 compares the bytes.
 */
export function compareMembers(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  }
  return a.length - b.length;
}
