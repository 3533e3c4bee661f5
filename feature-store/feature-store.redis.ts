/**
 * The FeatureStore on Redis: one JSON string per user, video and author under a key prefix, plus a
 * marker per applied event id. A batch loads what it touches, folds in memory, then writes records and
 * markers in one MULTI/EXEC, so a crash leaves either all of a batch or none of it. Several processes may
 * write at once: each batch WATCHes what it read and is folded again when another writer got there first.
 */
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../core/cache/cache.redis.ts';
import { redact } from '../core/open-by-url.ts';
import {
  authorCounters,
  decodeAuthor,
  decodeGlobal,
  decodeUser,
  decodeVideo,
  encodeAuthor,
  encodeGlobal,
  encodeUser,
  encodeVideo,
} from './codec.ts';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig, type FeatureState, newFeatureState } from './definitions.ts';
import { authorWindowStats, fold, keysOf, type Slice, videoWindowStats } from './fold.ts';
import type { FeatureStore, FeatureStoreEvent, StateKeys } from './ports.ts';

/** Batches folded again after losing a race to another writer, before the batch is failed (and redelivered). */
const MAX_CONFLICTS = 50;

/** Events of waiting calls folded together at most (a group's keys are watched and read at once). */
const MAX_GROUP = 5_000;

/** Applied-event markers outlive any redelivery or client retry by far. */
const APPLIED_TTL_MS = 30 * 86_400_000;

/** Marks applied events: KEYS are the markers, ARGV[1] their TTL; one command for a whole batch. */
const MARK_APPLIED = `for i = 1, #KEYS do redis.call('SET', KEYS[i], '1', 'PX', ARGV[1]) end
return #KEYS`;

/** Records this instance wrote last, kept decoded (most batches touch the records the one before wrote). */
const DECODED_MAX = 20_000;

/**
 * The decoded form of the record texts this instance wrote, by Redis key: a batch whose MGET returns the
 * very text written last reuses its record instead of parsing it again (any other writer's text differs
 * and is parsed). A batch takes the records it folds out (the fold mutates them) and puts back what it
 * wrote once its EXEC succeeded, so an entry always matches its text.
 */
class DecodedRecords {
  readonly #m = new Map<string, { text: string; record: unknown }>();

  /** The decoded `text` of `key`, decoding it unless it is the text written last; `take` removes the entry. */
  get<T>(key: string, text: string, decode: (s: string) => T, take: boolean): T {
    const hit = this.#m.get(key);
    if (hit === undefined || hit.text !== text) return decode(text);
    if (take) this.#m.delete(key);
    return hit.record as T;
  }

  put(key: string, text: string, record: unknown): void {
    this.#m.delete(key);
    this.#m.set(key, { text, record });
    if (this.#m.size > DECODED_MAX) this.#m.delete(this.#m.keys().next().value!);
  }
}

type MarkApplied = { fsMarkApplied(numKeys: number, ...args: (string | number)[]): unknown };

/** Opens `redis://host:port/db?prefix=name:` (the Cache's URL rules); the prefix isolates stores sharing one Redis. */
export async function openRedisFeatureStore(url: URL, config = DEFAULT_FEATURE_CONFIG): Promise<FeatureStore> {
  const redis = new Redis({ ...redisOptionsFromUrl(url), enableAutoPipelining: false });
  redis.defineCommand('fsMarkApplied', { lua: MARK_APPLIED });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`FeatureStore: cannot reach Redis at ${redact(url.href)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new RedisFeatureStore(redis, 'fs:', config);
}

class RedisFeatureStore implements FeatureStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #p: string;
  readonly #config: FeatureConfig;
  // One batch at a time per instance: a batch's read-fold-write must not interleave with the next.
  #tail: Promise<unknown> = Promise.resolve();
  /** The group of calls waiting for the batch in flight, folded together after it. */
  #waiting: { events: FeatureStoreEvent[]; run: Promise<{ applied: number; ids: string[] }> } | undefined;
  readonly #decoded = new DecodedRecords();

  constructor(redis: Redis, prefix: string, config: FeatureConfig) {
    this.#redis = redis;
    this.#p = prefix;
    this.#config = config;
  }

  async #load(kind: string, ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const values = await this.#redis.mget(ids.map((id) => `${this.#p}${kind}:${id}`));
    ids.forEach((id, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) out.set(id, v);
    });
    return out;
  }

  /**
   * Calls made while a batch is being applied wait as one group and are folded together next (one
   * WATCH, MGET and MULTI for all of them, as consumers of several partitions call at once); each caller
   * gets back the ids of its own events that were new. A group is atomic as a whole.
   */
  applyEvents(events: readonly FeatureStoreEvent[]): Promise<{ applied: number; ids: string[] }> {
    if (events.length === 0) return Promise.resolve({ applied: 0, ids: [] });
    let group = this.#waiting;
    if (!group || group.events.length + events.length > MAX_GROUP) {
      const list: FeatureStoreEvent[] = [];
      const run = this.#tail.then(() => {
        if (this.#waiting?.events === list) this.#waiting = undefined;
        return this.#apply(list);
      });
      // The tail only keeps groups in order: a failure reaches each caller through `run`.
      this.#tail = run.catch(() => {});
      group = { events: list, run };
      this.#waiting = group;
    }
    for (const e of events) group.events.push(e);
    return group.run.then(({ ids }) => {
      const mine = new Set(events.map((e) => e.id));
      const own = ids.filter((id) => mine.has(id));
      return { applied: own.length, ids: own };
    });
  }

  /**
   * Optimistic concurrency across processes: the batch WATCHes every key it reads, and an EXEC that
   * another writer raced is discarded and the batch folded again from fresh state.
   */
  async #apply(events: readonly FeatureStoreEvent[]): Promise<{ applied: number; ids: string[] }> {
    if (events.length === 0) return { applied: 0, ids: [] };
    for (let attempt = 1; ; attempt++) {
      const done = await this.#tryApply(events).catch(async (err: unknown) => {
        // Whatever failed between WATCH and EXEC, the connection must not stay watching.
        await this.#redis.unwatch().catch(() => {});
        throw err;
      });
      if (done) return done;
      if (attempt >= MAX_CONFLICTS) {
        throw new Error(`FeatureStore: ${MAX_CONFLICTS} conflicting writes in a row; the batch will be redelivered`);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 2 * attempt));
    }
  }

  /** One read-fold-write of a batch; undefined when another writer changed a key it read. */
  async #tryApply(events: readonly FeatureStoreEvent[]): Promise<{ applied: number; ids: string[] } | undefined> {
    // One MGET reads the applied markers and every record the batch could touch (two round trips a
    // batch with the MULTI below, however many users, videos and authors it names).
    const all = keysOf(events);
    const p = this.#p;
    const names = [
      ...events.map((e) => `${p}e:${e.id}`),
      `${p}g`,
      ...all.users.map((k) => `${p}u:${k}`),
      ...all.videos.map((k) => `${p}v:${k}`),
      ...all.authors.map((k) => `${p}a:${k}`),
    ];
    await this.#redis.watch(...names);
    const values = await this.#redis.mget(names);
    const ids = new Set<string>();
    const fresh = events.filter((e, i) => {
      if (values[i] !== null || ids.has(e.id)) return false;
      ids.add(e.id);
      return true;
    });
    if (fresh.length === 0) {
      await this.#redis.unwatch();
      return { applied: 0, ids: [] };
    }
    const loaded = new Map<string, string>();
    names.forEach((name, i) => {
      const v = values[i];
      if (i >= events.length && v !== null && v !== undefined) loaded.set(name, v);
    });
    const keys = keysOf(fresh);
    // Taken out of the decoded records: the fold mutates them, and a failed EXEC must not leave them there.
    const pick = <T>(kind: string, list: readonly string[], decode: (s: string) => T) => {
      const out = new Map<string, T>();
      for (const k of list) {
        const name = `${p}${kind}:${k}`;
        const text = loaded.get(name);
        if (text !== undefined) out.set(k, this.#decoded.get(name, text, decode, true));
      }
      return out;
    };
    const g = loaded.get(`${p}g`);
    const slice: Slice = {
      users: pick('u', keys.users, decodeUser),
      videos: pick('v', keys.videos, decodeVideo),
      authors: pick('a', keys.authors, decodeAuthor),
      global: g === undefined ? undefined : this.#decoded.get(`${p}g`, g, decodeGlobal, true),
    };
    fold(slice, fresh, this.#config);
    // Three commands, however many records and events: one MSET of the records, one script marking the events.
    const records: string[] = [];
    const objects: unknown[] = [];
    const add = (name: string, text: string, record: unknown) => {
      records.push(name, text);
      objects.push(record);
    };
    for (const [k, u] of slice.users) add(`${p}u:${k}`, encodeUser(u), u);
    for (const [k, v] of slice.videos) add(`${p}v:${k}`, encodeVideo(v), v);
    for (const [k, a] of slice.authors) add(`${p}a:${k}`, encodeAuthor(a), a);
    if (slice.global) add(`${p}g`, encodeGlobal(slice.global), slice.global);
    const multi = this.#redis.multi();
    if (records.length > 0) multi.mset(...records);
    (multi as unknown as MarkApplied).fsMarkApplied(
      fresh.length,
      ...fresh.map((e) => `${this.#p}e:${e.id}`),
      APPLIED_TTL_MS,
    );
    const result = await multi.exec();
    if (result === null) return undefined;
    const failed = result.find(([err]) => err);
    if (failed) throw new Error(`FeatureStore: Redis transaction failed: ${failed?.[0]?.message ?? 'aborted'}`);
    for (let i = 0; i < objects.length; i++) this.#decoded.put(records[2 * i]!, records[2 * i + 1]!, objects[i]);
    return { applied: fresh.length, ids: fresh.map((e) => e.id) };
  }

  /** One MGET for the global row, the users, the videos and the authors: one round trip per request. */
  async loadState(q: StateKeys): Promise<FeatureState> {
    const authors = q.authors ?? [];
    const keys = [`${this.#p}g`];
    for (const id of q.users) keys.push(`${this.#p}u:${id}`);
    for (const id of q.videos) keys.push(`${this.#p}v:${id}`);
    for (const id of authors) keys.push(`${this.#p}a:${id}`);
    const values = await this.#redis.mget(keys);
    let at = 1;
    const take = (ids: readonly string[]) => {
      const out = new Map<string, string>();
      for (const id of ids) {
        const v = values[at++];
        if (v !== null && v !== undefined) out.set(id, v);
      }
      return out;
    };
    const users = take(q.users);
    const videos = take(q.videos);
    const authorRows = take(authors);
    const g = values[0];
    return {
      config: this.#config,
      users: new Map([...users].map(([k, s]) => [k, decodeUser(s).features])),
      videos: new Map([...videos].map(([k, s]) => [k, decodeVideo(s).counters])),
      authors: authorCounters(authorRows),
      global: g === null || g === undefined ? newFeatureState(this.#config).global : decodeGlobal(g),
    };
  }

  async videoStats(videoIds: readonly string[], timeMs: number) {
    const rows = await this.#load('v', videoIds);
    const decoded = (id: string) => this.#decoded.get(`${this.#p}v:${id}`, rows.get(id)!, decodeVideo, false);
    return new Map(videoIds.map((id) => [id, videoWindowStats(rows.has(id) ? decoded(id) : undefined, timeMs)]));
  }

  async authorStats(authorIds: readonly string[], timeMs: number) {
    const rows = await this.#load('a', authorIds);
    return new Map(
      authorIds.map((id) => [id, authorWindowStats(rows.has(id) ? decodeAuthor(rows.get(id)!) : undefined, timeMs)]),
    );
  }

  async history(user: string) {
    const row = (await this.#load('u', [user])).get(user);
    return row === undefined ? [] : decodeUser(row).history;
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await this.#tail;
    if (this.#redis.status !== 'end') await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
