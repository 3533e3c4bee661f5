import { LruList } from './lru-list.ts';
import type { Cache } from './ports.ts';
import { byRank, mergeRanked, type Ranked } from './ranking.ts';
import { checkIncrement, checkKeep, checkMarkerTtl, checkScore, checkTtl } from './validate.ts';

type Value =
  | { type: 'string'; value: string }
  | { type: 'set'; members: Set<string> }
  | { type: 'zset'; scores: Map<string, number>; ranked?: readonly Ranked[] };

/** A value, when it expires (epoch ms; 0 = never) and its weight as counted in the bound (keys with a TTL). */
interface Entry {
  v: Value;
  expiresAt: number;
  w?: number;
}

/** What a value weighs against `maxMembers`: a string 1, a set or sorted set its members. */
const weightOf = (v: Value): number =>
  v.type === 'string' ? 1 : Math.max(1, v.type === 'set' ? v.members.size : v.scores.size);

/** Redis's own wording, so callers see one message whichever backend is configured. */
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const DEFAULT_SWEEP_MS = 1000;
/**
 * Keys with a TTL held at most (`maxKeys`): per-event and per-view markers live hours (client-event
 * dedup 24 h, view markers 2 h), so at a steady event rate they would otherwise grow with the traffic of
 * the whole window (in a soak at 328 req/s the cache held 160,000 more keys and 57 MB more heap after
 * 5 minutes). 50,000 keep a few minutes of markers at the soak's rate: retries come within seconds.
 */
const DEFAULT_MAX_KEYS = 50_000;
/**
 * Strings and collection members under keys with a TTL held at most (`maxMembers`): a count of keys
 * does not bound memory when some keys are sets (a viewer's seen ledger holds up to thousands of
 * videos). 500,000 members are about 50-60 MB of heap.
 */
const DEFAULT_MAX_MEMBERS = 500_000;
/** Keys the periodic sweep looks at per tick: its cost stays bounded however many keys there are. */
const SWEEP_BATCH = 5_000;

/** What the cache holds and has dropped, for the process's metrics. */
export interface MemoryCacheStats {
  keys: number;
  /** Keys with a TTL among them (the only ones eviction may drop). */
  volatileKeys: number;
  /** What those keys weigh: a string 1, a set or sorted set its members (bounded by `maxMembers`). */
  volatileMembers: number;
  /** Keys with a TTL dropped before their expiry to stay within `maxKeys`, since start. */
  evictions: number;
  /** Expired keys removed by the sweep or on access, since start. */
  expired: number;
}

/**
 * The Cache port in this process's memory, for one-machine installs and tests. Expired keys vanish on
 * access and a periodic sweep (an unref'd timer, so it never keeps the process alive) frees the rest,
 * a bounded batch of keys per tick. At most `maxKeys` keys with a TTL, weighing at most `maxMembers`
 * (a string 1, a collection its members), are held: past either the least recently used of them is
 * evicted (Redis's `volatile-lru`) and counted; keys without a TTL (counters not yet flushed, the
 * trending set) are never evicted.
 * Follows Redis semantics: wrong-type errors, empty collections disappear, equal scores order by member.
 * @remarks Not shared between processes; nothing survives a restart.
 */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, Entry>();
  /** The keys with a TTL, least recently used first (re-inserted on every use). */
  readonly #volatile = new LruList();
  readonly #maxKeys: number;
  readonly #maxMembers: number;
  /** The summed weight of the keys in `#volatile`. */
  #weight = 0;
  readonly #timer: NodeJS.Timeout;
  #evictions = 0;
  #expired = 0;

  constructor(opts: { sweepMs?: number; maxKeys?: number; maxMembers?: number } = {}) {
    this.#maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#maxMembers = opts.maxMembers ?? DEFAULT_MAX_MEMBERS;
    this.#timer = setInterval(() => this.sweep(SWEEP_BATCH), opts.sweepMs ?? DEFAULT_SWEEP_MS);
    this.#timer.unref();
  }

  /** Entries held, counting expired ones the sweep has not reached yet. */
  get size(): number {
    return this.#entries.size;
  }

  stats(): MemoryCacheStats {
    return {
      keys: this.#entries.size,
      volatileKeys: this.#volatile.size,
      volatileMembers: this.#weight,
      evictions: this.#evictions,
      expired: this.#expired,
    };
  }

  /**
   * Drops expired entries: every one (no argument), or those among the next `batch` keys with a TTL,
   * resuming where the previous call stopped.
   */
  sweep(batch?: number): void {
    const now = Date.now();
    if (batch === undefined) {
      for (const key of this.#volatile) this.#dropIfExpired(key, now);
      return;
    }
    for (let i = 0; i < batch; i++) {
      const key = this.#volatile.nextForSweep();
      if (key === undefined) return;
      this.#dropIfExpired(key, now);
    }
  }

  #dropIfExpired(key: string, now: number): boolean {
    const e = this.#entries.get(key);
    if (!e || e.expiresAt === 0 || e.expiresAt > now) return false;
    this.#remove(key);
    this.#expired++;
    return true;
  }

  #remove(key: string): void {
    const e = this.#entries.get(key);
    this.#entries.delete(key);
    if (this.#volatile.delete(key)) this.#weight -= e?.w ?? 0;
  }

  /** Stores `e` under `key`, keeping the volatile set's order and bound. */
  #put(key: string, e: Entry): void {
    const old = this.#entries.get(key);
    if (old && this.#volatile.delete(key)) this.#weight -= old.w ?? 0;
    this.#entries.set(key, e);
    this.#touch(key, e);
  }

  /** Marks `key` most recently used among the keys with a TTL, evicting the least recent past the bound. */
  #touch(key: string, e: Entry): void {
    if (this.#volatile.delete(key)) this.#weight -= e.w ?? 0;
    if (e.expiresAt === 0) return;
    e.w = weightOf(e.v);
    this.#weight += e.w;
    this.#volatile.add(key);
    while (this.#volatile.size > this.#maxKeys || this.#weight > this.#maxMembers) {
      const oldest = this.#volatile.oldest()!;
      if (oldest === key) break; // the key just stored is the only one left: it stays
      this.#remove(oldest);
      this.#evictions++;
    }
  }

  /** Re-counts a collection's weight after its members changed, keeping its place in the LRU order. */
  #reweigh(key: string, e: Entry): void {
    if (e.expiresAt === 0 || !this.#volatile.has(key)) return;
    const w = weightOf(e.v);
    this.#weight += w - (e.w ?? 0);
    e.w = w;
  }

  #live(key: string, now?: number): Entry | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== 0) {
      if (e.expiresAt <= (now ?? Date.now())) {
        this.#remove(key);
        this.#expired++;
        return undefined;
      }
      this.#volatile.add(key);
    }
    return e;
  }

  #typed<T extends Value['type']>(key: string, type: T): (Entry & { v: Extract<Value, { type: T }> }) | undefined {
    const e = this.#live(key);
    if (e && e.v.type !== type) throw new Error(WRONGTYPE);
    return e as (Entry & { v: Extract<Value, { type: T }> }) | undefined;
  }

  #expiry(ttlMs: number): number {
    return ttlMs > 0 ? Date.now() + ttlMs : 0;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#typed(key, 'string')?.v.value;
  }

  async mget(keys: readonly string[]): Promise<(string | undefined)[]> {
    const now = Date.now();
    return keys.map((k) => {
      const e = this.#live(k, now);
      return e?.v.type === 'string' ? e.v.value : undefined;
    });
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ttl = checkTtl(ttlMs);
    this.#put(key, { v: { type: 'string', value: String(value) }, expiresAt: this.#expiry(ttl) });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    if (this.#live(key)) return false;
    this.#put(key, { v: { type: 'string', value: String(value) }, expiresAt: this.#expiry(ttl) });
    return true;
  }

  async setManyIfAbsent(keys: readonly string[], value: string, ttlMs: number): Promise<boolean[]> {
    checkTtl(ttlMs);
    const out: boolean[] = [];
    for (const key of keys) out.push(await this.setIfAbsent(key, value, ttlMs));
    return out;
  }

  async setMany(entries: readonly { key: string; value: string; ttlMs?: number }[]): Promise<void> {
    for (const e of entries) checkTtl(e.ttlMs);
    for (const e of entries) await this.set(e.key, e.value, e.ttlMs);
  }

  async del(key: string): Promise<void> {
    this.#remove(key);
  }

  async incrBy(key: string, by: number, ttlMs?: number): Promise<number> {
    checkIncrement(by);
    const ttl = checkTtl(ttlMs);
    const e = this.#typed(key, 'string');
    if (!e) {
      this.#put(key, { v: { type: 'string', value: String(by) }, expiresAt: this.#expiry(ttl) });
      return by;
    }
    if (!/^-?\d+$/.test(e.v.value)) throw new Error(NOT_INTEGER);
    const next = Number(e.v.value) + by;
    if (!Number.isSafeInteger(next)) throw new Error(NOT_INTEGER);
    e.v.value = String(next);
    return next;
  }

  async incrByMany(entries: readonly { key: string; by: number; ttlMs?: number }[]): Promise<number[]> {
    for (const e of entries) {
      checkIncrement(e.by);
      checkTtl(e.ttlMs);
    }
    const out: number[] = [];
    for (const e of entries) out.push(await this.incrBy(e.key, e.by, e.ttlMs));
    return out;
  }

  async incrByOnce(marker: string, ttlMs: number, entries: readonly { key: string; by: number }[]): Promise<boolean> {
    checkMarkerTtl(ttlMs);
    for (const e of entries) checkIncrement(e.by);
    if (!(await this.setIfAbsent(marker, '1', ttlMs))) return false;
    await this.incrByMany(entries);
    return true;
  }

  async ttl(key: string): Promise<number> {
    const e = this.#live(key);
    if (!e) return -2;
    return e.expiresAt === 0 ? -1 : e.expiresAt - Date.now();
  }

  async sAdd(key: string, members: readonly string[], ttlMs?: number): Promise<number> {
    const ttl = checkTtl(ttlMs);
    if (members.length === 0) return 0;
    let e = this.#typed(key, 'set');
    if (!e) {
      e = { v: { type: 'set', members: new Set() }, expiresAt: 0 };
      this.#entries.set(key, e);
    }
    const before = e.v.members.size;
    for (const m of members) e.v.members.add(String(m));
    if (ttl > 0) {
      e.expiresAt = this.#expiry(ttl);
      this.#touch(key, e);
    } else this.#reweigh(key, e);
    return e.v.members.size - before;
  }

  async sIsMember(key: string, member: string): Promise<boolean> {
    return this.#typed(key, 'set')?.v.members.has(member) ?? false;
  }

  async sMembers(key: string): Promise<string[]> {
    return [...(this.#typed(key, 'set')?.v.members ?? [])];
  }

  #zset(key: string): Entry & { v: { type: 'zset'; scores: Map<string, number>; ranked?: readonly Ranked[] } } {
    let e = this.#typed(key, 'zset');
    if (!e) {
      e = { v: { type: 'zset', scores: new Map() }, expiresAt: 0 };
      this.#entries.set(key, e);
    }
    return e;
  }

  async zIncrBy(key: string, by: number, member: string): Promise<number> {
    checkScore(by);
    const e = this.#zset(key);
    const next = (e.v.scores.get(member) ?? 0) + by;
    e.v.scores.set(String(member), next);
    e.v.ranked = undefined;
    this.#reweigh(key, e);
    return next;
  }

  async zAdd(key: string, entries: readonly { score: number; member: string }[], ttlMs?: number): Promise<void> {
    for (const { score } of entries) checkScore(score);
    const ttl = checkTtl(ttlMs);
    if (entries.length === 0) return;
    const e = this.#zset(key);
    const changed = new Map<string, number>();
    for (const { score, member } of entries) changed.set(String(member), score);
    for (const [member, score] of changed) e.v.scores.set(member, score);
    // A few members into a ranked set: merged into its ranking (O(n)) instead of sorting it again.
    const ranked = e.v.ranked;
    if (ranked && changed.size <= 64) {
      const fresh = Array.from(changed, ([member, score]) => Object.freeze({ member, score })).sort(byRank);
      e.v.ranked = mergeRanked(
        ranked.filter((r) => !changed.has(r.member)),
        fresh,
      );
    } else e.v.ranked = undefined;
    if (ttl > 0) {
      e.expiresAt = this.#expiry(ttl);
      this.#touch(key, e);
    } else this.#reweigh(key, e);
  }

  /**
   * Members highest first; ties in reverse member order, as ZREVRANGE gives them. Sorted once per change
   * of the set: reads between writes (the trending set, a viewer's seen ledger read on every page) share it.
   */
  #ranked(key: string): readonly Ranked[] {
    const v = this.#typed(key, 'zset')?.v;
    if (!v) return [];
    v.ranked ??= Array.from(v.scores, ([member, score]) => Object.freeze({ member, score })).sort(byRank);
    return v.ranked;
  }

  async zRevRange(key: string, start: number, stop: number): Promise<{ member: string; score: number }[]> {
    const ranked = this.#ranked(key);
    const n = ranked.length;
    // Redis index rules: negatives count from the end, out-of-range ends are clamped, an empty span is [].
    const from = Math.max(0, start < 0 ? n + start : start);
    const to = Math.min(n - 1, stop < 0 ? n + stop : stop);
    return from > to ? [] : ranked.slice(from, to + 1);
  }

  async zRem(key: string, members: readonly string[]): Promise<void> {
    const e = this.#typed(key, 'zset');
    if (!e) return;
    const before = e.v.scores.size;
    for (const m of members) e.v.scores.delete(m);
    if (e.v.ranked && e.v.scores.size < before) {
      const gone = new Set(members);
      e.v.ranked = e.v.ranked.filter((r) => !gone.has(r.member));
    }
    if (e.v.scores.size === 0) this.#remove(key);
    else this.#reweigh(key, e);
  }

  async zTrimTop(key: string, keep: number): Promise<void> {
    checkKeep(keep);
    const ranked = this.#ranked(key);
    if (ranked.length <= keep) return;
    const e = this.#typed(key, 'zset')!;
    for (let i = keep; i < ranked.length; i++) e.v.scores.delete(ranked[i]!.member);
    if (e.v.scores.size === 0) return this.#remove(key);
    e.v.ranked = ranked.slice(0, keep);
    this.#reweigh(key, e);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
    this.#volatile.clear();
    this.#weight = 0;
  }
}
