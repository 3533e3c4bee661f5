/**
 * The embedded MetadataStore on `node:sqlite`: one synchronous connection per file, WAL with
 * synchronous=FULL so a resolved write survives a crash. Because transaction callbacks are async,
 * an async lock serialises the store: while a transaction runs, statements from elsewhere wait.
 * Transactions start with BEGIN IMMEDIATE, so another process writing the same file waits (busy_timeout)
 * instead of failing half-way.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { pathFromUrl } from '../open-by-url.ts';
import { applyMigrations, loadMigrations } from './migrations.ts';
import type { MetadataStore, RunResult, SqlExecutor, SqlValue } from './ports.ts';
import { toSqlitePlaceholders } from './sql.ts';
import { type Connection, Mutex, type TxExecutor, TxScopes } from './tx-scope.ts';

const BUSY_TIMEOUT_MS = 10_000;
const STATEMENT_CACHE_SIZE = 256;

/** Connections open in this process, by resolved file path. */
const shared = new Map<string, Handle>();

/**
 * Opens `sqlite://relative/path.db`, `sqlite:///abs/path.db` or `sqlite::memory:`, creating the parent
 * folder. Stores opened on the same file in one process share one connection: two synchronous
 * connections would block the thread waiting for each other's write lock.
 */
export async function openSqliteMetadataStore(url: URL): Promise<MetadataStore> {
  const memory = url.pathname === ':memory:' && url.host === '';
  const path = memory ? ':memory:' : resolve(pathFromUrl(url));
  let handle = memory ? undefined : shared.get(path);
  if (!handle) {
    handle = new Handle(path, openDatabase(path));
    if (!memory) shared.set(path, handle);
  }
  handle.refs++;
  return new SqliteMetadataStore(handle);
}

function openDatabase(path: string): DatabaseSync {
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
  return db;
}

/** One connection and the lock, transaction scopes and statement cache that go with it. */
class Handle {
  readonly lock = new Mutex();
  readonly scopes = new TxScopes();
  readonly conn: Connection;
  readonly path: string;
  readonly db: DatabaseSync;
  refs = 0;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
    this.conn = {
      all: async (sql, params) =>
        this.#prepare(sql)
          .all(...params)
          .map(plain),
      get: async (sql, params) => {
        const row = this.#prepare(sql).get(...params);
        return row === undefined ? undefined : plain(row);
      },
      run: async (sql, params) => ({ changes: Number(this.#prepare(sql).run(...params).changes) }),
      exec: async (sql) => this.db.exec(sql),
    };
  }

  /** Drops one reference; the last one closes the connection. The caller holds the lock. */
  release(): void {
    if (--this.refs > 0) return;
    if (shared.get(this.path) === this) shared.delete(this.path);
    this.#statements.clear();
    this.db.close();
  }

  #prepare(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (stmt) {
      // Re-insert so the map's order stays least-recently-used first.
      this.#statements.delete(sql);
    } else {
      stmt = this.db.prepare(toSqlitePlaceholders(sql));
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        this.#statements.delete(this.#statements.keys().next().value!);
      }
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }
}

class SqliteMetadataStore implements MetadataStore {
  readonly dialect = 'sqlite' as const;
  readonly #handle: Handle;
  #closed = false;

  constructor(handle: Handle) {
    this.#handle = handle;
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
    const release = await this.#handle.lock.lock();
    try {
      if (this.#closed) return;
      this.#closed = true;
      this.#handle.release();
    } finally {
      release();
    }
  }

  async #transact<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    const { scopes, lock, db, conn } = this.#handle;
    this.#assertOpen();
    const outer = scopes.active();
    if (outer) return scopes.nested(outer, fn);
    const release = await lock.lock();
    try {
      this.#assertOpen();
      db.exec('BEGIN IMMEDIATE');
      return await scopes.root(conn, fn, async () => db.exec('COMMIT'));
    } finally {
      release();
    }
  }

  /** Runs a statement in the caller's transaction, or alone once no transaction holds the connection. */
  async #statement<T>(op: (conn: Connection) => Promise<T>): Promise<T> {
    this.#assertOpen();
    const scope = this.#handle.scopes.active();
    if (scope) return this.#handle.scopes.inScope(scope, op);
    const release = await this.#handle.lock.lock();
    try {
      this.#assertOpen();
      return await op(this.#handle.conn);
    } finally {
      release();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MetadataStore: the SQLite store is closed');
  }
}

/** node:sqlite rows have a null prototype; repositories and tests expect ordinary objects. */
function plain(row: object): Record<string, unknown> {
  return { ...row };
}
