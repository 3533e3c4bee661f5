/** A value SQL parameters may carry; booleans are stored as 0/1, times as epoch milliseconds. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** The result of a write: rows changed. */
export interface RunResult {
  changes: number;
}

/**
 * SQL access shared by every repository. Statements use `$1, $2, …` placeholders and the SQL common
 * to SQLite and PostgreSQL; integers (including BIGINT) come back as JS numbers.
 * @remarks No ORM and no query builder: repositories own their SQL.
 */
export interface SqlExecutor {
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

/**
 * The metadata store: users, videos, the social graph, engagement records, sessions and the model
 * registry. A write resolves only once it is durable (SQLite WAL with synchronous=FULL; PostgreSQL commit).
 */
export interface MetadataStore extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. Nested calls
   * join the outer one as savepoints. On PostgreSQL (SERIALIZABLE) a transaction that loses a
   * serialization race is retried, so `fn` may run more than once: keep side effects out of it.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Applies pending migrations from `core/metadata/migrations`; safe to call on every start. */
  migrate(): Promise<void>;
  /** Throws when the backend cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
