/**
 * A loaded multi-task ranker: dense features in, one prediction array per head out.
 * `ranking/scorer.onnx.ts` provides the ONNX implementation; the holder swaps versions atomically.
 */
export interface RankerModel {
  readonly version: string;
  /** Features per row the model expects (checked against `FEATURE_NAMES` when loaded). */
  readonly featureDims: number;
  /**
   * `features` is rows × featureDims, row-major. `ids` names the viewer and each row's video for models
   * that also embed ids (unknown or absent ids go to the model's reserved buckets).
   */
  predict(
    features: Float32Array,
    rows: number,
    ids?: { userId?: string; videoIds?: readonly (string | undefined)[] },
  ): Promise<Record<string, Float32Array>>;
}

/** Where the feed reads the production ranker: `current()` once per request. */
export interface RankerSource {
  current(): RankerModel | undefined;
}

/** Ranker versions experiment arms pin: `get()` answers at once, undefined while the version loads. */
export interface PinnedRankers {
  get(version: string): RankerModel | undefined;
}

/** The serving ranker reference; `current()` once per request, `swap()` on promote. */
export class RankerHolder implements RankerSource {
  #current: RankerModel | undefined;
  current(): RankerModel | undefined {
    return this.#current;
  }
  swap(next: RankerModel): RankerModel | undefined {
    const prev = this.#current;
    this.#current = next;
    return prev;
  }
}
