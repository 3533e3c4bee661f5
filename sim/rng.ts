import { createHash } from 'node:crypto';
import { seededRandom } from '../core/random.ts';

/**
 * Seeded randomness with named streams: `rng(seed, 'user', 17, 'day', 2)` is the same sequence on
 * every run and independent of every other stream, so a user's behaviour does not change when other
 * users are added, when concurrency reorders requests, or when one arm serves different items.
 */
export class Rng {
  readonly #next: () => number;
  #spare: number | undefined;
  constructor(seed: number) {
    this.#next = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#next();
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.#next() < p;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.#next();
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** Standard normal (Marsaglia polar). */
  normal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.#next() - 1;
      const v = 2 * this.#next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.#spare = v * m;
        return u * m;
      }
    }
  }
  /** Gamma(shape, 1) (Marsaglia–Tsang; shape < 1 by the boost trick). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.#next() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = this.#next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }
  /** Beta(a, b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }
  /** Dirichlet(alpha, …, alpha) over n categories. */
  dirichlet(n: number, alpha: number): number[] {
    const g = Array.from({ length: n }, () => this.gamma(alpha));
    const s = g.reduce((a, b) => a + b, 0) || 1;
    return g.map((x) => x / s);
  }
  /** Poisson(mean) (Knuth; fine for the small means used here). */
  poisson(mean: number): number {
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.#next();
    } while (p > l);
    return k - 1;
  }
}

/** A 32-bit seed from a base seed and any path of names and numbers. */
export function seedOf(seed: number, ...path: (string | number)[]): number {
  return createHash('sha256')
    .update(`${seed}/${path.join('/')}`)
    .digest()
    .readUInt32BE(0);
}

/** A stream for `path` under `seed`. */
export function rng(seed: number, ...path: (string | number)[]): Rng {
  return new Rng(seedOf(seed, ...path));
}

/** A fixed standard-normal draw for a key: the same (user, video) pair always gets the same taste noise. */
export function hashedNormal(seed: number, ...path: (string | number)[]): number {
  return rng(seed, 'hashed', ...path).normal();
}
