/**
 * Transaction scoping shared by the backends. The current transaction travels with the async call
 * chain (AsyncLocalStorage), so a repository that calls `store.transaction` or `store.run` from inside
 * another transaction joins it instead of waiting for it (which would deadlock on SQLite's single
 * connection). A nested transaction is a savepoint: when it throws, its writes are undone and the
 * outer transaction may go on, which PostgreSQL otherwise forbids after any failed statement.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunResult, SqlExecutor, SqlValue } from './ports.ts';

/** A FIFO async lock: `lock()` resolves with the function that releases it. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
    return release;
  }
}

/** One connection's statements, with placeholders already in the backend's form. */
export interface Connection {
  all(sql: string, params: readonly SqlValue[]): Promise<Record<string, unknown>[]>;
  get(sql: string, params: readonly SqlValue[]): Promise<Record<string, unknown> | undefined>;
  run(sql: string, params: readonly SqlValue[]): Promise<RunResult>;
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

/** An executor that can also run parameterless multi-statement SQL (migrations, locks). */
export interface TxExecutor extends SqlExecutor {
  exec(sql: string): Promise<void>;
}

interface Scope {
  readonly conn: Connection;
  readonly parent: Scope | undefined;
  readonly depth: number;
  /** Serialises this scope's statements and child savepoints, which must nest strictly. */
  readonly lock: Mutex;
  done: boolean;
}

/** The transactions open on one store, found through the async call chain. */
export class TxScopes {
  readonly #als = new AsyncLocalStorage<Scope>();

  /** The innermost transaction the caller runs inside, if it and every outer one are still open. */
  active(): Scope | undefined {
    const scope = this.#als.getStore();
    for (let s = scope; s; s = s.parent) if (s.done) return undefined;
    return scope;
  }

  /** Runs one statement in `scope`, after any statement or savepoint of that scope in flight. */
  async inScope<T>(scope: Scope, op: (conn: Connection) => Promise<T>): Promise<T> {
    const release = await scope.lock.lock();
    try {
      return await op(scope.conn);
    } finally {
      release();
    }
  }

  /**
   * Runs `fn` as the outermost transaction on `conn`. The caller has begun it; this commits when
   * `fn` resolves and rolls back when it (or the commit) throws.
   */
  async root<T>(conn: Connection, fn: (tx: TxExecutor) => Promise<T>, commit: () => Promise<void>): Promise<T> {
    const scope: Scope = { conn, parent: undefined, depth: 0, lock: new Mutex(), done: false };
    try {
      const result = await this.#als.run(scope, () => fn(this.#executor(scope)));
      await this.inScope(scope, () => commit());
      return result;
    } catch (err) {
      // Best effort: the caller needs the cause, and a connection whose ROLLBACK failed is dropped anyway.
      await conn.exec('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      scope.done = true;
    }
  }

  /** Runs `fn` inside `parent` as a savepoint. */
  async nested<T>(parent: Scope, fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    const release = await parent.lock.lock();
    const scope: Scope = { conn: parent.conn, parent, depth: parent.depth + 1, lock: new Mutex(), done: false };
    const savepoint = `foryou_sp_${scope.depth}`;
    try {
      await parent.conn.exec(`SAVEPOINT ${savepoint}`);
      try {
        const result = await this.#als.run(scope, () => fn(this.#executor(scope)));
        // Wait for statements the callback started but did not await before closing the savepoint.
        (await scope.lock.lock())();
        await parent.conn.exec(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (err) {
        // A failed undo leaves the outer transaction broken, and it will fail on its own; report the cause.
        await parent.conn.exec(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`).catch(() => {});
        throw err;
      }
    } finally {
      scope.done = true;
      release();
    }
  }

  /** The executor handed to a transaction callback: it runs in its own scope, or a savepoint inside it. */
  #executor(own: Scope): TxExecutor {
    const target = (): Scope => {
      if (own.done) throw new Error('MetadataStore: a transaction executor was used after its transaction ended');
      const current = this.active();
      for (let s = current; s; s = s.parent) if (s === own) return current!;
      return own;
    };
    return {
      all: async <R>(sql: string, params: readonly SqlValue[] = []) =>
        (await this.inScope(target(), (c) => c.all(sql, params))) as R[],
      get: async <R>(sql: string, params: readonly SqlValue[] = []) =>
        (await this.inScope(target(), (c) => c.get(sql, params))) as R | undefined,
      run: (sql: string, params: readonly SqlValue[] = []) => this.inScope(target(), (c) => c.run(sql, params)),
      exec: (sql: string) => this.inScope(target(), (c) => c.exec(sql)),
    };
  }
}
