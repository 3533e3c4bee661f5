import { isBackendUnavailable } from './backend-errors.ts';

/**
 * Thrown without calling the backend while its circuit is open, and when a call outlives its time
 * budget: the HTTP layer answers both with 503 BACKEND_UNAVAILABLE and Retry-After (`isBackendUnavailable`
 * knows the name), and the feed serves without the backend.
 */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

export interface BreakerOptions {
  /** Consecutive failures (unavailable errors or timeouts) that open the circuit; default 3. */
  failures?: number;
  /** How long an open circuit refuses calls before one probe call is let through, ms; default 1000. */
  openMs?: number;
  /** Milliseconds since an epoch; `performance.now` by default (tests pass their own). */
  now?: () => number;
  /** Told each time the circuit opens and closes again. */
  onChange?: (open: boolean) => void;
}

/**
 * A circuit breaker over one backend: after `failures` consecutive calls failed because the backend
 * is unavailable (or timed out), calls are refused at once for `openMs`; then one call is let through
 * (half open), and its success closes the circuit while its failure opens it for another `openMs`.
 * Errors that are not about availability (a wrong type, a validation error) leave the count alone.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly #failures: number;
  readonly #openMs: number;
  readonly #now: () => number;
  readonly #onChange: ((open: boolean) => void) | undefined;
  #consecutive = 0;
  /** When the open circuit lets a probe through (0: closed). */
  #openUntil = 0;
  #probing = false;

  constructor(name: string, o: BreakerOptions = {}) {
    this.name = name;
    this.#failures = o.failures ?? 3;
    this.#openMs = o.openMs ?? 1_000;
    this.#now = o.now ?? (() => performance.now());
    this.#onChange = o.onChange;
  }

  /** Whether calls are being refused right now (open, and not yet time for a probe). */
  get open(): boolean {
    return this.#openUntil > 0 && (this.#probing || this.#now() < this.#openUntil);
  }

  /**
   * Runs `call` unless the circuit is open; with `timeoutMs`, a call not settled by then fails with
   * BackendUnavailableError (its late result is dropped). Only for calls whose late completion is
   * harmless: reads, and writes that are idempotent or best effort.
   */
  async run<T>(call: () => Promise<T>, timeoutMs?: number): Promise<T> {
    const probe = this.#openUntil > 0;
    if (probe) {
      if (this.#probing || this.#now() < this.#openUntil) {
        throw new BackendUnavailableError(`${this.name} unavailable (circuit open)`);
      }
      this.#probing = true;
    }
    try {
      const value = await (timeoutMs === undefined ? call() : within(call(), timeoutMs, this.name));
      this.#succeeded();
      return value;
    } catch (err) {
      if (err instanceof BackendUnavailableError || isBackendUnavailable(err)) this.#failed();
      else if (probe) this.#succeeded();
      throw err;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #succeeded(): void {
    this.#consecutive = 0;
    if (this.#openUntil > 0) {
      this.#openUntil = 0;
      this.#onChange?.(false);
    }
  }

  #failed(): void {
    this.#consecutive++;
    if (this.#openUntil > 0 || this.#consecutive >= this.#failures) {
      const wasClosed = this.#openUntil === 0;
      this.#openUntil = this.#now() + this.#openMs;
      if (wasClosed) this.#onChange?.(true);
    }
  }
}

function within<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendUnavailableError(`${name} did not answer within ${ms} ms`)), ms);
  });
  // The late result (or failure) of the call is dropped, never left unhandled.
  p.catch(() => {});
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `target` with every method called through `breaker`, under the time budget `timeoutOf` gives its
 * name (undefined: none); `close` is passed through. See `CircuitBreaker.run` for which calls may
 * carry a time budget.
 */
export function guarded<T extends object>(
  target: T,
  breaker: CircuitBreaker,
  timeoutOf: (method: string) => number | undefined,
): T {
  return new Proxy(target, {
    get(t, prop, recv) {
      const v = Reflect.get(t, prop, recv);
      if (typeof v !== 'function') return v;
      if (prop === 'close' || typeof prop !== 'string') return v.bind(t);
      const ms = timeoutOf(prop);
      return (...args: unknown[]) => breaker.run(() => v.apply(t, args) as Promise<unknown>, ms);
    },
  });
}
