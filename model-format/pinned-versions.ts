/**
 * Model versions other than production, loaded on demand so an experiment arm (or a canary) can serve
 * a pinned version side by side with the production one. `get(version)` answers at once: the loaded
 * model, or undefined while it loads (the caller serves production meanwhile, and the serve log records
 * which version actually scored). At most `max` versions stay loaded, least recently used evicted; a
 * version that failed to load is retried after `retryMs`.
 */
export class PinnedVersions<T> {
  readonly #load: (version: string) => Promise<T>;
  readonly #max: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #onError: (version: string, err: unknown) => void;
  /** Loaded versions, least recently used first (Map keeps insertion order; `get` re-inserts). */
  readonly #loaded = new Map<string, T>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #failedAt = new Map<string, number>();

  constructor(o: {
    load: (version: string) => Promise<T>;
    max?: number;
    retryMs?: number;
    now?: () => number;
    onError?: (version: string, err: unknown) => void;
  }) {
    this.#load = o.load;
    this.#max = Math.max(1, o.max ?? 2);
    this.#retryMs = o.retryMs ?? 60_000;
    this.#now = o.now ?? Date.now;
    this.#onError = o.onError ?? (() => {});
  }

  /** The loaded model of `version`, or undefined while it loads (or after it failed). */
  get(version: string): T | undefined {
    const m = this.#loaded.get(version);
    if (m !== undefined) {
      this.#loaded.delete(version);
      this.#loaded.set(version, m);
      return m;
    }
    void this.ready(version);
    return undefined;
  }

  /** Loads `version` if needed; resolves once it is loaded or its load failed. */
  ready(version: string): Promise<void> {
    if (this.#loaded.has(version)) return Promise.resolve();
    const pending = this.#loading.get(version);
    if (pending) return pending;
    const failed = this.#failedAt.get(version);
    if (failed !== undefined && this.#now() - failed < this.#retryMs) return Promise.resolve();
    const p = this.#load(version)
      .then((m) => {
        this.#failedAt.delete(version);
        this.#loaded.set(version, m);
        while (this.#loaded.size > this.#max) this.#loaded.delete(this.#loaded.keys().next().value!);
      })
      .catch((err: unknown) => {
        this.#failedAt.set(version, this.#now());
        this.#onError(version, err);
      })
      .finally(() => this.#loading.delete(version));
    this.#loading.set(version, p);
    return p;
  }

  /** Versions loaded now, least recently used first. */
  get versions(): string[] {
    return [...this.#loaded.keys()];
  }
}
