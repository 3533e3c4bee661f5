/**
 * Keeps the k largest (score, key) pairs seen, in a binary min-heap: O(n log k) over n candidates,
 * without sorting the whole catalogue.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly keys: Float64Array;
  private n = 0;
  private readonly k: number;
  constructor(k: number) {
    this.k = k;
    this.scores = new Float64Array(Math.max(1, k));
    this.keys = new Float64Array(Math.max(1, k));
  }

  /** The smallest kept score, or -Infinity while fewer than k are kept. */
  get threshold(): number {
    return this.n < this.k ? Number.NEGATIVE_INFINITY : this.scores[0]!;
  }

  push(score: number, key: number): void {
    if (this.k === 0) return;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.scores[p]! <= score) break;
        this.scores[i] = this.scores[p]!;
        this.keys[i] = this.keys[p]!;
        i = p;
      }
      this.scores[i] = score;
      this.keys[i] = key;
      return;
    }
    if (score <= this.scores[0]!) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const c = r < this.n && this.scores[r]! < this.scores[l]! ? r : l;
      if (this.scores[c]! >= score) break;
      this.scores[i] = this.scores[c]!;
      this.keys[i] = this.keys[c]!;
      i = c;
    }
    this.scores[i] = score;
    this.keys[i] = key;
  }

  /** Kept pairs, best first; ties broken by the smaller key so results are deterministic. */
  sorted(): { keys: number[]; scores: number[] } {
    const idx = Array.from({ length: this.n }, (_, i) => i);
    idx.sort((a, b) => this.scores[b]! - this.scores[a]! || this.keys[a]! - this.keys[b]!);
    return { keys: idx.map((i) => this.keys[i]!), scores: idx.map((i) => this.scores[i]!) };
  }
}
