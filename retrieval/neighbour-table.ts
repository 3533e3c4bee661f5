import type { AnnResult } from './ann/ports.ts';
import type { IndexHolder, IndexSnapshot } from './index-holder.ts';

/**
 * Every indexed video's nearest neighbours, searched once per snapshot instead of once per request:
 * row `key` holds what `index.search(vectors[key], k)` answered (the video itself first, as the search
 * returns it), in two typed arrays, so a request reads a slice and allocates no search result.
 * Rows past `rows` (videos added to the snapshot after the build) are absent until the next refresh.
 */
export class NeighbourTable {
  readonly k: number;
  readonly rows: number;
  /** Epoch ms the build finished. */
  readonly builtAt: number;
  readonly #keys: Int32Array;
  readonly #scores: Float32Array;
  readonly #lengths: Uint16Array;

  constructor(k: number, rows: number, keys: Int32Array, scores: Float32Array, lengths: Uint16Array, builtAt: number) {
    this.k = k;
    this.rows = rows;
    this.#keys = keys;
    this.#scores = scores;
    this.#lengths = lengths;
    this.builtAt = builtAt;
  }

  /** The first `want` (≤ k) neighbours of `key`, best first, or undefined when the table has no such row. */
  neighbours(key: number, want: number): { keys: Int32Array; scores: Float32Array } | undefined {
    if (key < 0 || key >= this.rows || want > this.k) return undefined;
    const from = key * this.k;
    const n = Math.min(want, this.#lengths[key]!);
    return { keys: this.#keys.subarray(from, from + n), scores: this.#scores.subarray(from, from + n) };
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.#keys.byteLength + this.#scores.byteLength + this.#lengths.byteLength;
  }
}

/** Yields to the event loop, so a build never holds requests up for more than one chunk. */
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Searches every video of `s` once, `chunk` searches between yields to the event loop. Resolves
 * undefined when `cancelled()` turns true midway (a newer snapshot arrived, or the runtime closes).
 */
export async function buildNeighbourTable(
  s: IndexSnapshot,
  k: number,
  opts: { chunk?: number; cancelled?: () => boolean; now?: () => number } = {},
): Promise<NeighbourTable | undefined> {
  if (!Number.isInteger(k) || k < 1 || k > 0xffff) throw new RangeError(`neighbour table: k=${k} must be 1..65535`);
  const chunk = opts.chunk ?? 256;
  const rows = s.ids.length;
  const keys = new Int32Array(rows * k).fill(-1);
  const scores = new Float32Array(rows * k);
  const lengths = new Uint16Array(rows);
  for (let key = 0; key < rows; key++) {
    if (key % chunk === 0 && key > 0) {
      await yieldToLoop();
      if (opts.cancelled?.()) return undefined;
    }
    const vector = s.vectors.row(key);
    if (!vector) continue;
    const r: AnnResult = s.index.search(vector, k);
    const n = Math.min(k, r.keys.length);
    keys.set(r.keys.slice(0, n), key * k);
    scores.set(r.scores.slice(0, n), key * k);
    lengths[key] = n;
  }
  return new NeighbourTable(k, rows, keys, scores, lengths, (opts.now ?? Date.now)());
}

/** The table built for each snapshot; a snapshot dropped by the holder takes its table with it. */
const tables = new WeakMap<IndexSnapshot, NeighbourTable>();

/** The neighbour table of `s`, when one was built. */
export function neighbourTableOf(s: IndexSnapshot): NeighbourTable | undefined {
  return tables.get(s);
}

/** Attaches a table to the snapshot it was built from (tests and the job use it). */
export function attachNeighbourTable(s: IndexSnapshot, table: NeighbourTable): void {
  tables.set(s, table);
}

/**
 * Neighbours kept per video. The similar-items source asks for ceil(quota / seeds) + 1 per seed (21 with
 * its 100 and 5 seeds, 51 with 2 seeds); a viewer with one seed searches live. 51 × 8 bytes a video.
 */
export const NEIGHBOUR_TABLE_K = 51;
/**
 * How often the table of the serving snapshot is rebuilt, so videos added since show up as neighbours
 * (they are served meanwhile by the fresh source). A build of 100k videos costs ~20–50 CPU-s on the
 * 2-core benchmark machine, a few per cent of a core at this period.
 */
export const NEIGHBOUR_TABLE_REFRESH_MS = 30 * 60_000;

/**
 * The job keeping the serving snapshot's neighbour table: builds one after every swap and rebuilds it
 * every `refreshMs` when the snapshot grew since. Requests keep searching live for rows a table lacks.
 */
export class NeighbourTableJob {
  readonly #holder: IndexHolder;
  readonly #k: number;
  readonly #onError: (err: unknown) => void;
  readonly #refreshMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(holder: IndexHolder, opts: { k?: number; refreshMs?: number; onError?: (err: unknown) => void } = {}) {
    this.#holder = holder;
    this.#refreshMs = opts.refreshMs ?? NEIGHBOUR_TABLE_REFRESH_MS;
    this.#k = opts.k ?? NEIGHBOUR_TABLE_K;
    this.#onError = opts.onError ?? (() => {});
  }

  /** Builds for the current snapshot now and after every swap, and refreshes every `refreshMs`. */
  start(): void {
    this.#holder.onSwap(() => void this.refresh());
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
    void this.refresh();
  }

  /** Builds the current snapshot's table unless it is up to date; resolves when done (or skipped). */
  refresh(): Promise<void> {
    this.#running ??= this.#build().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Builds until the serving snapshot has an up-to-date table (a swap midway starts over on the new one). */
  async #build(): Promise<void> {
    for (;;) {
      const s = this.#holder.current();
      if (!s || this.#closed) return;
      const held = tables.get(s);
      // Up to date, or young enough: videos added since wait for the next refresh (they search live).
      if (held && (held.rows === s.ids.length || Date.now() - held.builtAt < this.#refreshMs)) return;
      try {
        const table = await buildNeighbourTable(s, this.#k, {
          cancelled: () => this.#closed || this.#holder.current() !== s,
        });
        if (table) tables.set(s, table);
        else if (this.#closed) return;
      } catch (err) {
        this.#onError(err);
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }
}
