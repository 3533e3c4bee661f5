import type { SqlExecutor } from '../core/metadata/ports.ts';
import type { ModelStatus } from '../core/telemetry/status.ts';
import type { Component, Telemetry } from '../core/telemetry/telemetry.ts';
import { type ProductionModel, productionModel } from './production.ts';

/** Rejected versions remembered per model for the operator page (the newest ones). */
const KEEP_REJECTED = 10;

/**
 * Follows the production stage of one model: every `pollMs` it compares the promoted version with the
 * loaded one and, when they differ, loads the new artifacts and hands them to `install` (an atomic swap).
 * A failed load keeps serving the old version and is retried on the next poll. Every load is counted in
 * `foryou_model_loads_total{name,outcome}` and logged; rejected versions are kept with their last error.
 */
export class ModelWatcher<T> {
  readonly #db: SqlExecutor;
  readonly #name: string;
  readonly #load: (m: ProductionModel) => Promise<T>;
  readonly #install: (value: T, m: ProductionModel) => void;
  readonly #now: () => number;
  readonly #component: Component;
  readonly #loads;
  #loaded: string | undefined;
  #loadedAt: number | undefined;
  readonly #rejected = new Map<string, { error: string; at: number; attempts: number }>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<boolean> | undefined;
  /** The last failure (a rejected version or an unreadable registry), cleared by the next success. */
  lastError: string | undefined;

  constructor(opts: {
    db: SqlExecutor;
    name: string;
    load: (m: ProductionModel) => Promise<T>;
    install: (value: T, m: ProductionModel) => void;
    telemetry: Telemetry;
    now?: () => number;
  }) {
    this.#db = opts.db;
    this.#name = opts.name;
    this.#load = opts.load;
    this.#install = opts.install;
    this.#now = opts.now ?? Date.now;
    this.#component = opts.telemetry.component('model-watcher');
    this.#loads = opts.telemetry.counter({
      name: 'foryou_model_loads_total',
      help: 'Attempts to load a promoted model version, by model and outcome (loaded or rejected)',
      labelNames: ['name', 'outcome'],
    });
  }

  /** The version installed last. */
  get version(): string | undefined {
    return this.#loaded;
  }

  /** What the operator page shows: the loaded version and when, the last error, the rejected versions. */
  status(): ModelStatus {
    return {
      name: this.#name,
      stage: 'production',
      loadedVersion: this.#loaded ?? null,
      loadedAt: this.#loadedAt ?? null,
      lastError: this.lastError ?? null,
      rejected: [...this.#rejected].map(([version, r]) => ({ version, ...r })).sort((a, b) => b.at - a.at),
    };
  }

  /** Checks once; true when a new version was installed. Concurrent calls share one check. */
  poll(): Promise<boolean> {
    this.#polling ??= this.#check().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #check(): Promise<boolean> {
    let m: ProductionModel | undefined;
    try {
      m = await productionModel(this.#db, this.#name);
    } catch (err) {
      this.lastError = `reading the registry failed: ${(err as Error).message}`;
      this.#component.failed(err, `${this.#name}: reading the registry failed; keeping the loaded version`, {
        name: this.#name,
      });
      return false;
    }
    if (!m || m.version === this.#loaded) return false;
    const t0 = performance.now();
    try {
      const value = await this.#load(m);
      this.#install(value, m);
    } catch (err) {
      this.#reject(m.version, err);
      return false;
    }
    this.#loaded = m.version;
    this.#loadedAt = this.#now();
    this.lastError = undefined;
    this.#rejected.delete(m.version);
    this.#loads.inc({ name: this.#name, outcome: 'loaded' });
    this.#component.log.info(
      { name: this.#name, version: m.version, ms: Math.round(performance.now() - t0) },
      'model loaded',
    );
    return true;
  }

  #reject(version: string, err: unknown): void {
    const error = (err as Error)?.message ?? String(err);
    this.lastError = error;
    const seen = this.#rejected.get(version);
    this.#rejected.delete(version);
    this.#rejected.set(version, { error, at: this.#now(), attempts: (seen?.attempts ?? 0) + 1 });
    if (this.#rejected.size > KEEP_REJECTED) this.#rejected.delete(this.#rejected.keys().next().value!);
    this.#loads.inc({ name: this.#name, outcome: 'rejected' });
    this.#component.failed(err, `${this.#name}: promoted version rejected; serving the previous one`, {
      name: this.#name,
      version,
      serving: this.#loaded ?? null,
    });
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
