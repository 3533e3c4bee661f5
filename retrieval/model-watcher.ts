import type { SqlExecutor } from '../core/metadata/ports.ts';
import { type ProductionModel, productionModel } from '../model-format/production.ts';

/**
 * Follows the production stage of one model: every `pollMs` it compares the promoted version with the
 * loaded one and, when they differ, loads the new artifacts and hands them to `install` (an atomic swap).
 * A failed load keeps serving the old version and is retried on the next poll.
 */
export class ModelWatcher<T> {
  readonly #db: SqlExecutor;
  readonly #name: string;
  readonly #load: (m: ProductionModel) => Promise<T>;
  readonly #install: (value: T, m: ProductionModel) => void;
  #loaded: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<boolean> | undefined;
  /** The last load failure, for readiness and logs. */
  lastError: string | undefined;

  constructor(opts: {
    db: SqlExecutor;
    name: string;
    load: (m: ProductionModel) => Promise<T>;
    install: (value: T, m: ProductionModel) => void;
  }) {
    this.#db = opts.db;
    this.#name = opts.name;
    this.#load = opts.load;
    this.#install = opts.install;
  }

  /** The version installed last. */
  get version(): string | undefined {
    return this.#loaded;
  }

  /** Checks once; true when a new version was installed. Concurrent calls share one check. */
  poll(): Promise<boolean> {
    this.#polling ??= this.#check().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #check(): Promise<boolean> {
    try {
      const m = await productionModel(this.#db, this.#name);
      if (!m || m.version === this.#loaded) return false;
      const value = await this.#load(m);
      this.#install(value, m);
      this.#loaded = m.version;
      this.lastError = undefined;
      return true;
    } catch (err) {
      this.lastError = (err as Error).message;
      return false;
    }
  }

  start(pollMs = 5_000): void {
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), pollMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
