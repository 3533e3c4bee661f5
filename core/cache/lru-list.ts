interface Node {
  key: string;
  prev: Node | undefined;
  next: Node | undefined;
}

/**
 * Keys in least-recently-used order, every operation O(1): a doubly linked list with a map from key
 * to node, plus a cursor for a sweep that resumes where it stopped. It replaces a `Set` re-inserted on
 * every use, whose oldest key (`values().next()`) V8 finds by walking past every entry deleted since
 * the table was last rebuilt: at the cache's bound, with a key evicted per write and a re-insert per
 * read, that walk cost 10-50 µs an operation and spikes of 100-200 ms.
 */
export class LruList {
  readonly #nodes = new Map<string, Node>();
  #head: Node | undefined;
  #tail: Node | undefined;
  /** The next node the sweep visits; undefined: the next sweep starts a new round at the oldest. */
  #cursor: Node | undefined;
  /** Whether the sweep's round is under way (false: `nextForSweep` starts at the oldest). */
  #sweeping = false;

  get size(): number {
    return this.#nodes.size;
  }

  has(key: string): boolean {
    return this.#nodes.has(key);
  }

  /** The least recently used key. */
  oldest(): string | undefined {
    return this.#head?.key;
  }

  /** Appends `key` as the most recently used (moving it there when present). */
  add(key: string): void {
    let n = this.#nodes.get(key);
    if (n) this.#unlink(n);
    else {
      n = { key, prev: undefined, next: undefined };
      this.#nodes.set(key, n);
    }
    n.prev = this.#tail;
    n.next = undefined;
    if (this.#tail) this.#tail.next = n;
    else this.#head = n;
    this.#tail = n;
  }

  delete(key: string): boolean {
    const n = this.#nodes.get(key);
    if (!n) return false;
    this.#unlink(n);
    this.#nodes.delete(key);
    return true;
  }

  clear(): void {
    this.#nodes.clear();
    this.#head = this.#tail = this.#cursor = undefined;
    this.#sweeping = false;
  }

  /** Every key, oldest first; the key just yielded may be deleted meanwhile. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let n = this.#head; n; ) {
      const next = n.next;
      yield n.key;
      n = next;
    }
  }

  /**
   * The next key of the sweep's round, oldest first, resuming where the last call stopped (keys moved
   * or deleted meanwhile are stepped over); undefined at the end of a round, after which a new one starts.
   */
  nextForSweep(): string | undefined {
    if (!this.#sweeping) {
      this.#sweeping = true;
      this.#cursor = this.#head;
    }
    const n = this.#cursor;
    if (!n) {
      this.#sweeping = false;
      return undefined;
    }
    this.#cursor = n.next;
    return n.key;
  }

  #unlink(n: Node): void {
    if (this.#cursor === n) this.#cursor = n.next;
    if (n.prev) n.prev.next = n.next;
    else this.#head = n.next;
    if (n.next) n.next.prev = n.prev;
    else this.#tail = n.prev;
    n.prev = n.next = undefined;
  }
}
