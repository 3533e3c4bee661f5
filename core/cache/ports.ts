/**
 * A shared cache for counters, dedup sets, rate limits and hot reads. Values are strings.
 * Every operation is atomic on its key. TTLs are in milliseconds; 0 or omitted means no expiry.
 * @remarks Not durable: anything here must be rebuildable from the metadata store or the event log.
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  mget(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when it was set (a lock or a dedup marker). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** `setIfAbsent` of one value on many keys in one round trip; whether each key was set, in order. */
  setManyIfAbsent(keys: readonly string[], value: string, ttlMs: number): Promise<boolean[]>;
  /** `set` of many keys, each with its own value and TTL, in one round trip. */
  setMany(entries: readonly { key: string; value: string; ttlMs?: number }[]): Promise<void>;
  del(key: string): Promise<void>;
  /** Adds `by` and returns the new value; the TTL is set only when the key is created. */
  incrBy(key: string, by: number, ttlMs?: number): Promise<number>;
  /**
   * `incrBy` of many keys in one round trip; the new values, in order. An entry's `ttlMs` is set only
   * when its key is created, as `incrBy` does; without one the key never expires.
   */
  incrByMany(entries: readonly { key: string; by: number; ttlMs?: number }[]): Promise<number[]>;
  /**
   * Applies the increments only if `marker` is absent, setting it (with `ttlMs` > 0) in the same atomic
   * step: true when applied, false when the marker was there (already applied). Makes an increment that
   * may be retried (after a crash, by a sweeper) count once while the marker lives.
   */
  incrByOnce(marker: string, ttlMs: number, entries: readonly { key: string; by: number }[]): Promise<boolean>;
  /** Remaining TTL in ms, -1 with no expiry, -2 when missing. */
  ttl(key: string): Promise<number>;
  /** Adds members; returns how many were new. The TTL is (re)set on every call when given. */
  sAdd(key: string, members: readonly string[], ttlMs?: number): Promise<number>;
  sIsMember(key: string, member: string): Promise<boolean>;
  sMembers(key: string): Promise<string[]>;
  zIncrBy(key: string, by: number, member: string): Promise<number>;
  /** Sets members' scores; `ttlMs` > 0 also sets the key's time to live, as `sAdd` does. */
  zAdd(key: string, entries: readonly { score: number; member: string }[], ttlMs?: number): Promise<void>;
  /** Highest scores first, inclusive ranks like Redis ZREVRANGE. */
  zRevRange(key: string, start: number, stop: number): Promise<{ member: string; score: number }[]>;
  zRem(key: string, members: readonly string[]): Promise<void>;
  /** Trims to the `keep` highest-scored members. */
  zTrimTop(key: string, keep: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
