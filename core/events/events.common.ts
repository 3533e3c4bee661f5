import type { NewEvent } from './ports.ts';

// Kafka's own rule, enforced for every backend so that a topic name valid on SQLite stays valid on Kafka.
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/;

/** Throws a TypeError unless `topic` is a legal topic name (letters, digits, `.`, `_`, `-`; at most 249). */
export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC_RE.test(topic) || topic === '.' || topic === '..') {
    throw new TypeError(`EventLog: invalid topic ${JSON.stringify(topic)} (use 1-249 of [a-zA-Z0-9._-])`);
  }
}

/** An event checked and ready to write: its value already serialised to JSON. */
export interface EncodedEvent {
  key: string;
  json: string;
  timestamp: number;
}

/** Validates a batch and serialises each value once, so a bad event fails the whole append before any write. */
export function encodeEvents(events: readonly NewEvent[], now: number): EncodedEvent[] {
  if (!Array.isArray(events)) throw new TypeError('EventLog: append expects an array of events');
  return events.map((e, i) => {
    if (e === null || typeof e !== 'object') throw new TypeError(`EventLog: event ${i} is not an object`);
    if (typeof e.key !== 'string') throw new TypeError(`EventLog: event ${i} has no string key`);
    let json: string | undefined;
    try {
      json = JSON.stringify(e.value);
    } catch (err) {
      throw new TypeError(`EventLog: event ${i} value is not JSON-serialisable: ${(err as Error).message}`);
    }
    if (json === undefined) throw new TypeError(`EventLog: event ${i} value is not JSON-serialisable`);
    const ts = e.timestamp ?? now;
    if (!Number.isSafeInteger(ts) || ts < 0) throw new TypeError(`EventLog: event ${i} timestamp must be epoch ms`);
    return { key: e.key, json, timestamp: ts };
  });
}

/**
 * Removes and returns the oldest entries of `queue`, whole, while their sizes sum to at most `max` (always
 * at least one): a group commit's next group.
 */
export function takeWhole<T>(queue: T[], max: number, size: (entry: T) => number): T[] {
  let n = 0;
  let count = 0;
  while (n < queue.length && (n === 0 || count + size(queue[n]!) <= max)) {
    count += size(queue[n]!);
    n++;
  }
  return queue.splice(0, n);
}

/** Checks the read/subscribe numbers a caller passes, with a message naming the bad one. */
export function checkCount(name: string, n: unknown, min: number): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new TypeError(`EventLog: ${name} must be an integer >= ${min}, got ${String(n)}`);
  }
}

/** Delay before redelivering a batch whose handler failed `attempt` times in a row: 100 ms doubling to 5 s. */
export function redeliveryBackoffMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/** A sleep that `wake()` cuts short; the subscription loops wait on it between polls and backoffs. */
export class Alarm {
  readonly #sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at the next `wake()`; several sleeps may wait at once. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  /** Ends every sleep in progress. */
  wake(): void {
    for (const done of [...this.#sleepers]) done();
  }
}

/** Checks the options every backend's `subscribe` takes; returns the batch size to use (default 500). */
export function checkSubscribeOptions(opts: {
  topic: unknown;
  group: unknown;
  handler: unknown;
  maxBatch?: unknown;
}): number {
  checkTopic(opts.topic);
  if (typeof opts.group !== 'string' || opts.group === '')
    throw new TypeError('EventLog: group must be a non-empty string');
  if (typeof opts.handler !== 'function') throw new TypeError('EventLog: handler must be a function');
  const maxBatch = opts.maxBatch ?? 500;
  checkCount('maxBatch', maxBatch, 1);
  return maxBatch;
}
