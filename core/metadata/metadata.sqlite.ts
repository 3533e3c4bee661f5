/**
 * The embedded MetadataStore on `node:sqlite`: one synchronous connection per store, WAL with
 * synchronous=FULL so a resolved write survives a crash. Because transaction callbacks are async,
 * an async lock serialises the store: while a transaction runs, statements from elsewhere wait.
 * Transactions start with BEGIN IMMEDIATE, so another process writing the same file waits (busy_timeout)
 * instead of failing half-way.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { pathFromUrl } from '../open-by-url.ts';
import { applyMigrations, loadMigrations } from './migrations.ts';
import type { MetadataStore, RunResult, SqlExecutor, SqlValue } from './ports.ts';
import { toSqlitePlaceholders } from './sql.ts';
import { type Connection, Mutex, type TxExecutor, TxScopes } from './tx-scope.ts';

const BUSY_TIMEOUT_MS = 10_000;
const STATEMENT_CACHE_SIZE = 256;

/** Opens `sqlite://relative/path.db`, `sqlite:///abs/path.db` or `sqlite::memory:`, creating the parent folder. */
export async function openSqliteMetadataStore(url: URL): Promise<MetadataStore> {
  const path = url.pathname === ':memory:' && url.host === '' ? ':memory:' : pathFromUrl(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
  } catch (err) {
    db.close();
    throw new Error(`MetadataStore: cannot open SQLite database at ${path}: ${(err as Error).message}`, { cause: err });
  }
  return new SqliteMetadataStore(db);
}

class SqliteMetadataStore implements MetadataStore {
  readonly dialect = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #lock = new Mutex();
  readonly #scopes = new TxScopes();
  readonly #statements = new Map<string, StatementSync>();
  readonly #conn: Connection;
  #closed = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#conn = {
      all: async (sql, params) => this.#prepare(sql).all(...params).map(plain),
      get: async (sql, params) => {
        const row = this.#prepare(sql).get(...params);
        return row === undefined ? undefined : plain(row);
      },
      run: async (sql, params) => ({ changes: Number(this.#prepare(sql).run(...params).changes) }),
      exec: async (sql) => this.#db.exec(sql),
    };
  }

  async all<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.#statement((c) => c.all(sql, params))) as T[];
  }

  async get<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.#statement((c) => c.get(sql, params))) as T | undefined;
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return this.#statement((c) => c.run(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#transact(fn);
  }

  async migrate(): Promise<void> {
    const migrations = loadMigrations('sqlite');
    await this.#transact((tx) => applyMigrations(tx, migrations));
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const release = await this.#lock.lock();
    try {
      if (this.#closed) return;
      this.#closed = true;
      this.#statements.clear();
      this.#db.close();
    } finally {
      release();
    }
  }

  async #transact<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    const outer = this.#scopes.active();
    if (outer) return this.#scopes.nested(outer, fn);
    const release = await this.#lock.lock();
    try {
      this.#assertOpen();
      this.#db.exec('BEGIN IMMEDIATE');
      return await this.#scopes.root(this.#conn, fn, async () => this.#db.exec('COMMIT'));
    } finally {
      release();
    }
  }

  /** Runs a statement in the caller's transaction, or alone once no transaction holds the connection. */
  async #statement<T>(op: (conn: Connection) => Promise<T>): Promise<T> {
    const scope = this.#scopes.active();
    if (scope) return this.#scopes.inScope(scope, op);
    const release = await this.#lock.lock();
    try {
      this.#assertOpen();
      return await op(this.#conn);
    } finally {
      release();
    }
  }

  #prepare(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (stmt) {
      // Re-insert so the map's order stays least-recently-used first.
      this.#statements.delete(sql);
    } else {
      stmt = this.#db.prepare(toSqlitePlaceholders(sql));
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        this.#statements.delete(this.#statements.keys().next().value!);
      }
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MetadataStore: the SQLite store is closed');
  }
}

/** node:sqlite rows have a null prototype; repositories and tests expect ordinary objects. */
function plain(row: object): Record<string, unknown> {
  return { ...row };
}
