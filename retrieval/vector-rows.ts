/**
 * An index snapshot's item vectors: row `key` of one row-major `Float32Array`, read as a view. One array
 * for every row rather than one `Float32Array` object per row: at 100k videos the per-row views were
 * 100k heap objects (about 10 MB of the API's reachable heap, and as many for every GC to mark).
 */
export class VectorRows {
  readonly dims: number;
  #data: Float32Array;
  /** Rows ever set (keys past it read undefined). */
  #rows: number;

  /** Rows `0..rows-1` of `data` (row-major, `rows × dims` floats); the array is kept, not copied (`set` writes into it). */
  constructor(dims: number, data: Float32Array = new Float32Array(0)) {
    if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`vector rows: dims ${dims}`);
    if (data.length % dims !== 0) throw new RangeError(`vector rows: ${data.length} floats is not rows of ${dims}`);
    this.dims = dims;
    this.#data = data;
    this.#rows = data.length / dims;
  }

  /** How many rows (the highest key set, plus one). */
  get length(): number {
    return this.#rows;
  }

  /** Row `key` as a view into the shared array (valid until a later `set` grows it), or undefined. */
  row(key: number): Float32Array | undefined {
    if (!(key >= 0 && key < this.#rows) || !Number.isInteger(key)) return undefined;
    return this.#data.subarray(key * this.dims, (key + 1) * this.dims);
  }

  /** Writes row `key` (an existing row is overwritten; a new one past the end grows the array). */
  set(key: number, vector: ArrayLike<number>): void {
    if (!Number.isInteger(key) || key < 0) throw new RangeError(`vector rows: key ${key}`);
    if (vector.length !== this.dims) throw new RangeError(`vector rows: ${vector.length} floats, want ${this.dims}`);
    const need = (key + 1) * this.dims;
    if (need > this.#data.length) {
      // Doubling keeps appends one copy per doubling, as an array of rows would have grown.
      const grown = new Float32Array(Math.max(need, this.#data.length * 2));
      grown.set(this.#data.subarray(0, this.#rows * this.dims));
      this.#data = grown;
    }
    this.#data.set(vector, key * this.dims);
    if (key >= this.#rows) this.#rows = key + 1;
  }

  /** Every row, row-major, as a view (`length × dims` floats). */
  flat(): Float32Array {
    return this.#data.subarray(0, this.#rows * this.dims);
  }
}
