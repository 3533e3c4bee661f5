import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { type Clock, systemClock } from '../clock.ts';
import { pathFromUrl } from '../open-by-url.ts';
import {
  Alarm,
  checkCount,
  checkSubscribeOptions,
  checkTopic,
  encodeEvents,
  redeliveryBackoffMs,
} from './events.common.ts';
import { GroupCommit, type PendingAppend } from './events.sqlite.group-commit.ts';
import type { BatchHandler, EventLog, LoggedEvent, NewEvent, SubscribeOptions, Subscription } from './ports.ts';

/** Tuning of the embedded log; every field has a default fit for production. */
export interface SqliteEventLogOptions {
  /** How often a caught-up subscription looks for events appended by other processes. */
  pollMs?: number;
  /** How long a group's lease outlives a subscriber that died without stopping. */
  leaseMs?: number;
  /** How long a write waits for another process holding the file's write lock. */
  busyTimeoutMs?: number;
  clock?: Clock;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  topic TEXT NOT NULL, "offset" INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, ts INTEGER NOT NULL,
  PRIMARY KEY (topic, "offset")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
  topic TEXT NOT NULL, grp TEXT NOT NULL, next_offset INTEGER NOT NULL, PRIMARY KEY (topic, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_leases (
  topic TEXT NOT NULL, grp TEXT NOT NULL, owner TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (topic, grp)
) WITHOUT ROWID;`;

// Subscriptions in this process wait on these, so a local append is delivered without waiting for a poll.
const localWaiters = new Map<string, Set<() => void>>();

interface Row {
  offset: number;
  key: string;
  value: string;
  ts: number;
}

/** Opens the embedded log from `sqlite://./data/events.db` (or `sqlite://:memory:`); query params tune it. */
export async function openSqliteEventLog(url: URL, options: SqliteEventLogOptions = {}): Promise<EventLog> {
  const num = (name: string, fallback: number) => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new TypeError(`EventLog: sqlite URL param ${name}=${raw} must be a positive integer`);
    return n;
  };
  return new SqliteEventLog(pathFromUrl(url), {
    pollMs: options.pollMs ?? num('pollMs', 25),
    leaseMs: options.leaseMs ?? num('leaseMs', 10_000),
    busyTimeoutMs: options.busyTimeoutMs ?? num('busyTimeoutMs', 10_000),
    clock: options.clock ?? systemClock,
  });
}

/**
 * The embedded event log: one partition per topic in a WAL-mode SQLite file that several processes may share.
 * An append resolves after its transaction is fsynced (synchronous=FULL), so it survives a kill -9 or power loss;
 * appends made in the same event-loop turn share one transaction (group commit, events.sqlite.group-commit.ts).
 * A (topic, group) is consumed by one subscriber at a time, held by a lease, as a Kafka group with one partition.
 */
export class SqliteEventLog implements EventLog {
  readonly kind = 'sqlite' as const;
  readonly db: DatabaseSync;
  readonly opts: Required<SqliteEventLogOptions>;
  readonly #waitKey: string;
  readonly #subs = new Set<SqliteSubscription>();
  readonly #group = new GroupCommit((group) => this.#commitGroup(group));
  #closed = false;
  readonly #st: Record<
    | 'begin'
    | 'commit'
    | 'rollback'
    | 'nextOffset'
    | 'insert'
    | 'read'
    | 'committed'
    | 'commitOffset'
    | 'lease'
    | 'renew'
    | 'release'
    | 'trim',
    StatementSync
  >;

  constructor(path: string, opts: Required<SqliteEventLogOptions>) {
    const memory = path === ':memory:';
    if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
    this.opts = opts;
    this.#waitKey = memory ? `:memory:${randomUUID()}` : resolve(path);
    this.db = new DatabaseSync(path, { timeout: opts.busyTimeoutMs });
    this.db.exec(`PRAGMA busy_timeout = ${opts.busyTimeoutMs}`);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec(SCHEMA);
    const p = (sql: string) => this.db.prepare(sql);
    this.#st = {
      // IMMEDIATE takes the write lock up front, so two processes cannot read the same next offset.
      begin: p('BEGIN IMMEDIATE'),
      commit: p('COMMIT'),
      rollback: p('ROLLBACK'),
      nextOffset: p('SELECT COALESCE(MAX("offset"), -1) + 1 AS n FROM events WHERE topic = ?'),
      insert: p('INSERT INTO events (topic, "offset", key, value, ts) VALUES (?, ?, ?, ?, ?)'),
      read: p(
        'SELECT "offset", key, value, ts FROM events WHERE topic = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
      ),
      committed: p('SELECT next_offset AS n FROM group_offsets WHERE topic = ? AND grp = ?'),
      commitOffset: p(
        `INSERT INTO group_offsets (topic, grp, next_offset) VALUES (?, ?, ?)
         ON CONFLICT (topic, grp) DO UPDATE SET next_offset = excluded.next_offset`,
      ),
      // Takes the lease when it is free, expired or already ours; `changes` says whether we hold it.
      lease: p(
        `INSERT INTO group_leases (topic, grp, owner, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (topic, grp) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE group_leases.owner = excluded.owner OR group_leases.expires_at < ?`,
      ),
      renew: p('UPDATE group_leases SET expires_at = ? WHERE topic = ? AND grp = ? AND owner = ?'),
      release: p('DELETE FROM group_leases WHERE topic = ? AND grp = ? AND owner = ?'),
      // Old, consumed by every group (a topic nobody consumes: by age only), and never the newest event.
      trim: p(
        `DELETE FROM events WHERE topic = ? AND ts < ?
           AND "offset" < COALESCE((SELECT MIN(next_offset) FROM group_offsets WHERE topic = ?), 9e18)
           AND "offset" < (SELECT MAX("offset") FROM events WHERE topic = ?)`,
      ),
    };
  }

  async append(topic: string, events: readonly NewEvent[]): Promise<LoggedEvent[]> {
    this.#open();
    checkTopic(topic);
    const encoded = encodeEvents(events, this.opts.clock.now());
    if (encoded.length === 0) return [];
    return this.#group.append(topic, encoded);
  }

  /** One transaction (one fsync) for a group of appends; each topic's offsets continue densely. */
  #commitGroup(group: readonly PendingAppend[]): LoggedEvent[][] {
    const st = this.#st;
    const next = new Map<string, number>();
    const out: LoggedEvent[][] = [];
    st.begin.run();
    try {
      for (const { topic, encoded } of group) {
        let offset = next.get(topic) ?? (st.nextOffset.get(topic) as { n: number }).n;
        const logged: LoggedEvent[] = new Array(encoded.length);
        for (let i = 0; i < encoded.length; i++, offset++) {
          const e = encoded[i]!;
          st.insert.run(topic, offset, e.key, e.json, e.timestamp);
          logged[i] = { topic, partition: 0, offset, key: e.key, value: JSON.parse(e.json), timestamp: e.timestamp };
        }
        next.set(topic, offset);
        out.push(logged);
      }
      st.commit.run();
    } catch (err) {
      if (this.db.isTransaction) st.rollback.run();
      throw err;
    }
    for (const topic of next.keys()) for (const wake of localWaiters.get(this.#topicKey(topic)) ?? []) wake();
    return out;
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    this.#open();
    const maxBatch = checkSubscribeOptions(opts);
    // A new group that asked for the end starts at the end as of now, so later appends are never skipped.
    const start = opts.fromBeginning === false ? (this.#st.nextOffset.get(opts.topic) as { n: number }).n : 0;
    const sub = new SqliteSubscription(this, { ...opts, maxBatch, start }, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    sub.start();
    return sub;
  }

  async read(topic: string, partition: number, offset: number, limit: number): Promise<LoggedEvent[]> {
    this.#open();
    checkTopic(topic);
    if (partition !== 0)
      throw new RangeError(`EventLog: topic ${topic} has 1 partition; partition ${partition} does not exist`);
    checkCount('offset', offset, 0);
    checkCount('limit', limit, 0);
    return this.readRows(topic, offset, limit);
  }

  /** The events of `topic` from `offset`, at most `limit`, in offset order. */
  readRows(topic: string, offset: number, limit: number): LoggedEvent[] {
    if (limit === 0) return [];
    const rows = this.#st.read.all(topic, offset, limit) as unknown as Row[];
    return rows.map((r) => ({
      topic,
      partition: 0,
      offset: r.offset,
      key: r.key,
      value: JSON.parse(r.value),
      timestamp: r.ts,
    }));
  }

  async partitions(topic: string): Promise<number> {
    checkTopic(topic);
    return 1;
  }

  async committed(topic: string, group: string): Promise<number[]> {
    this.#open();
    checkTopic(topic);
    return [this.committedOffset(topic, group) ?? 0];
  }

  async endOffsets(topic: string): Promise<number[]> {
    this.#open();
    checkTopic(topic);
    return [(this.#st.nextOffset.get(topic) as { n: number }).n];
  }

  async trim(topic: string, beforeTs: number): Promise<number> {
    this.#open();
    checkTopic(topic);
    return Number(this.#st.trim.run(topic, beforeTs, topic, topic).changes);
  }

  /** The group's committed next offset, or undefined when it never committed. */
  committedOffset(topic: string, group: string): number | undefined {
    return (this.#st.committed.get(topic, group) as { n: number } | undefined)?.n;
  }

  /** Records that `group` has processed every event of `topic` before `next`. */
  commit(topic: string, group: string, next: number): void {
    this.#st.commitOffset.run(topic, group, next);
  }

  /** Takes or extends the group's lease for `owner`; false while another live subscriber holds it. */
  takeLease(topic: string, group: string, owner: string): boolean {
    const now = this.opts.clock.now();
    return Number(this.#st.lease.run(topic, group, owner, now + this.opts.leaseMs, now).changes) > 0;
  }

  /** Extends a lease `owner` holds; false when it was lost (expired and taken by another subscriber). */
  renewLease(topic: string, group: string, owner: string): boolean {
    const until = this.opts.clock.now() + this.opts.leaseMs;
    return Number(this.#st.renew.run(until, topic, group, owner).changes) > 0;
  }

  releaseLease(topic: string, group: string, owner: string): void {
    this.#st.release.run(topic, group, owner);
  }

  /** Registers `wake` to run on each append to `topic` in this process; returns its removal. */
  onLocalAppend(topic: string, wake: () => void): () => void {
    const key = this.#topicKey(topic);
    const set = localWaiters.get(key) ?? new Set();
    localWaiters.set(key, set);
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0) localWaiters.delete(key);
    };
  }

  async ping(): Promise<void> {
    this.#open();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#subs].map((s) => s.stop()));
    // Appends already accepted are written before the file closes.
    this.#group.flush();
    this.#closed = true;
    this.db.close();
  }

  #open(): void {
    if (this.#closed) throw new Error('EventLog: the sqlite event log is closed');
  }

  #topicKey(topic: string): string {
    return `${this.#waitKey}\0${topic}`;
  }
}

interface SubOptions {
  topic: string;
  group: string;
  handler: BatchHandler;
  maxBatch: number;
  start: number;
  onError?: (err: unknown) => void;
}

/** Delivers a group's batches in order and commits each after its handler resolved. */
class SqliteSubscription implements Subscription {
  readonly #log: SqliteEventLog;
  readonly #o: SubOptions;
  readonly #owner = randomUUID();
  readonly #alarm = new Alarm();
  readonly #onDone: () => void;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  #unlisten: () => void = () => {};

  constructor(log: SqliteEventLog, o: SubOptions, onDone: () => void) {
    this.#log = log;
    this.#o = o;
    this.#onDone = onDone;
  }

  start(): void {
    this.#unlisten = this.#log.onLocalAppend(this.#o.topic, () => this.#alarm.wake());
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const { topic, group } = this.#o;
    const { pollMs, leaseMs } = this.#log.opts;
    let next: number | undefined; // defined while we hold the lease
    let renewAt = 0;
    let failures = 0;
    while (!this.#stopped) {
      try {
        const now = this.#log.opts.clock.now();
        if (next === undefined) {
          if (!this.#log.takeLease(topic, group, this.#owner)) {
            await this.#alarm.sleep(Math.min(leaseMs, pollMs * 20));
            continue;
          }
          next = this.#log.committedOffset(topic, group) ?? this.#o.start;
          renewAt = now + leaseMs / 3;
        } else if (now >= renewAt) {
          if (!this.#log.renewLease(topic, group, this.#owner)) {
            next = undefined;
            continue;
          }
          renewAt = now + leaseMs / 3;
        }
        const batch = this.#log.readRows(topic, next, this.#o.maxBatch);
        if (batch.length === 0) {
          await this.#alarm.sleep(pollMs);
          continue;
        }
        // A handler slower than the lease must not lose it to a second subscriber meanwhile.
        const keepAlive = setInterval(() => this.#log.renewLease(topic, group, this.#owner), leaseMs / 3);
        try {
          await this.#o.handler(batch);
        } finally {
          clearInterval(keepAlive);
        }
        next = batch[batch.length - 1]!.offset + 1;
        this.#log.commit(topic, group, next);
        failures = 0;
      } catch (err) {
        this.#o.onError?.(err);
        failures++;
        if (!this.#stopped) await this.#alarm.sleep(redeliveryBackoffMs(failures));
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#unlisten();
      this.#alarm.wake();
    }
    await this.#loop;
    try {
      this.#log.releaseLease(this.#o.topic, this.#o.group, this.#owner);
    } catch {
      // Already closed by another path: the lease then simply expires.
    }
    this.#onDone();
  }
}
