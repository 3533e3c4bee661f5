/** A model a serving process follows in the registry, as the operator page and the gauges show it. */
export interface ModelStatus {
  name: string;
  /** The registry stage followed (serving follows production). */
  stage: string;
  loadedVersion: string | null;
  /** Epoch ms of the last install. */
  loadedAt: number | null;
  /** The last failed load, cleared by the next success. */
  lastError: string | null;
  /** Versions that failed to load (newest first), each with its last error. */
  rejected: { version: string; error: string; at: number; attempts: number }[];
}

/** The serving ANN index. */
export interface IndexStatus {
  version: string;
  size: number;
  dims: number;
  /** Epoch ms the index was built (exported, for a model's index). */
  builtAt: number;
}

/**
 * Where long-lived components publish their state for the operator page and scrape-time gauges. A
 * component registers a reader and keeps the returned function to unregister when it stops.
 * @remarks Holds readers, not values, so nothing here goes stale or needs updating.
 */
export class StatusBoard {
  readonly #models = new Map<string, () => ModelStatus>();
  #index: (() => IndexStatus | undefined) | undefined;

  addModel(name: string, read: () => ModelStatus): () => void {
    this.#models.set(name, read);
    return () => {
      if (this.#models.get(name) === read) this.#models.delete(name);
    };
  }

  setIndex(read: () => IndexStatus | undefined): () => void {
    this.#index = read;
    return () => {
      if (this.#index === read) this.#index = undefined;
    };
  }

  models(): ModelStatus[] {
    return [...this.#models.values()].map((read) => read());
  }

  index(): IndexStatus | undefined {
    return this.#index?.();
  }
}
