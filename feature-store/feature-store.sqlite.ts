/**
 * The embedded FeatureStore on `node:sqlite`: one row of JSON per user, video and author, plus the ids
 * of applied events. `node:sqlite` is synchronous, so each `applyEvents` (load, fold, write, commit)
 * runs without interleaving and commits as one transaction.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { pathFromUrl } from '../core/open-by-url.ts';
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fs_users (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_videos (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_authors (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_global (id INTEGER PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_applied (id TEXT PRIMARY KEY);
`;

/** Opens `sqlite://path/features.db` or `sqlite::memory:`. */
export async function openSqliteFeatureStore(url: URL, config = DEFAULT_FEATURE_CONFIG): Promise<FeatureStore> {
  const memory = url.pathname === ':memory:' && url.host === '';
  const path = memory ? ':memory:' : resolve(pathFromUrl(url));
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 10000');
  db.exec('PRAGMA journal_mode = WAL');
  // FULL: the consumer commits its log offset after this returns, so a lost write would be lost for good.
  db.exec('PRAGMA synchronous = FULL');
  db.exec(SCHEMA);
  return new SqliteFeatureStore(db, config);
}

class SqliteFeatureStore implements FeatureStore {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #config: FeatureConfig;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;

  constructor(db: DatabaseSync, config: FeatureConfig) {
    this.#db = db;
    this.#config = config;
  }

  /**
   * The rows of `ids` in one statement (the ids passed as one JSON array): a feed page reads ~350 videos
   * and ~250 authors, and a statement step per id cost more than the rows' decoding. Prepared once.
   */
  #rows(table: string, ids: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    if (ids.length === 1) {
      const row = this.#statement(`SELECT state FROM ${table} WHERE id = ?`).get(ids[0]!) as
        | { state: string }
        | undefined;
      if (row) out.set(ids[0]!, row.state);
      return out;
    }
    const stmt = this.#statement(`SELECT id, state FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`);
    for (const row of stmt.all(JSON.stringify(ids)) as { id: string; state: string }[]) out.set(row.id, row.state);
    return out;
  }

  #statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  #global(): string | undefined {
    return (this.#statement('SELECT state FROM fs_global WHERE id = 1').get() as { state: string } | undefined)?.state;
  }

  #check(): void {
    if (this.#closed) throw new Error('FeatureStore: the store is closed');
  }

  async applyEvents(events: readonly FeatureStoreEvent[]): Promise<{ applied: number; ids: string[] }> {
    this.#check();
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const seen = db.prepare('INSERT INTO fs_applied (id) VALUES (?) ON CONFLICT DO NOTHING');
      const fresh = events.filter((e) => Number(seen.run(e.id).changes) === 1);
      if (fresh.length > 0) {
        const keys = keysOf(fresh);
        const g = this.#global();
        const slice: Slice = {
          users: new Map([...this.#rows('fs_users', keys.users)].map(([k, s]) => [k, decodeUser(s)])),
          videos: new Map([...this.#rows('fs_videos', keys.videos)].map(([k, s]) => [k, decodeVideo(s)])),
          authors: new Map([...this.#rows('fs_authors', keys.authors)].map(([k, s]) => [k, decodeAuthor(s)])),
          global: g === undefined ? undefined : decodeGlobal(g),
        };
        fold(slice, fresh, this.#config);
        const put = (table: string) =>
          db.prepare(
            `INSERT INTO ${table} (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state`,
          );
        const pu = put('fs_users');
        for (const [k, u] of slice.users) pu.run(k, encodeUser(u));
        const pv = put('fs_videos');
        for (const [k, v] of slice.videos) pv.run(k, encodeVideo(v));
        const pa = put('fs_authors');
        for (const [k, a] of slice.authors) pa.run(k, encodeAuthor(a));
        if (slice.global) put('fs_global').run(1, encodeGlobal(slice.global));
      }
      db.exec('COMMIT');
      return { applied: fresh.length, ids: fresh.map((e) => e.id) };
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }

  async loadState(q: StateKeys): Promise<FeatureState> {
    this.#check();
    const g = this.#global();
    return {
      config: this.#config,
      users: new Map([...this.#rows('fs_users', q.users)].map(([k, s]) => [k, decodeUser(s).features])),
      videos: new Map([...this.#rows('fs_videos', q.videos)].map(([k, s]) => [k, decodeVideo(s).counters])),
      authors: authorCounters(this.#rows('fs_authors', q.authors ?? [])),
      global: g === undefined ? newFeatureState(this.#config).global : decodeGlobal(g),
    };
  }

  async videoStats(videoIds: readonly string[], timeMs: number) {
    this.#check();
    const rows = this.#rows('fs_videos', videoIds);
    return new Map(
      videoIds.map((id) => [id, videoWindowStats(rows.has(id) ? decodeVideo(rows.get(id)!) : undefined, timeMs)]),
    );
  }

  async authorStats(authorIds: readonly string[], timeMs: number) {
    this.#check();
    const rows = this.#rows('fs_authors', authorIds);
    return new Map(
      authorIds.map((id) => [id, authorWindowStats(rows.has(id) ? decodeAuthor(rows.get(id)!) : undefined, timeMs)]),
    );
  }

  async history(user: string) {
    this.#check();
    const row = this.#rows('fs_users', [user]).get(user);
    return row === undefined ? [] : decodeUser(row).history;
  }

  async ping(): Promise<void> {
    this.#check();
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }
}
