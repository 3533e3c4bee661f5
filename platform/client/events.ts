import type { Operations } from './operations.gen.ts';

/** One client playback event as `POST /api/v1/events` takes it, without its id (the batcher adds one). */
export type ClientEvent = Omit<Operations['POST /api/v1/events']['body']['events'][number], 'client_event_id'>;

/** What the batcher sends with. */
export type SendEvents = (events: Operations['POST /api/v1/events']['body']['events']) => Promise<unknown>;

/** Batching limits. */
export interface BatchOptions {
  /** Flush when this many events are waiting (the server takes at most 100). */
  maxBatch: number;
  /** Flush this long after the first waiting event (0: only on size or an explicit flush). */
  maxDelayMs: number;
  /** Prefix of generated client event ids (unique per batcher). */
  idPrefix: string;
}

/**
 * Collects playback events and sends them in batches, each event with a unique `client_event_id` so a
 * batch that is retried after a lost answer is deduplicated by the server. Batches go out one at a
 * time, in order; `flush()` resolves once everything added before it was acknowledged.
 */
export class EventBatcher {
  readonly #send: SendEvents;
  readonly #opts: BatchOptions;
  #pending: Operations['POST /api/v1/events']['body']['events'] = [];
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  /** Events acknowledged by the server so far. */
  sent = 0;

  constructor(send: SendEvents, opts: Partial<BatchOptions> = {}) {
    this.#send = send;
    this.#opts = {
      maxBatch: Math.min(100, opts.maxBatch ?? 100),
      maxDelayMs: opts.maxDelayMs ?? 1000,
      idPrefix: opts.idPrefix ?? `c${Math.random().toString(36).slice(2, 10)}`,
    };
  }

  /** Queues one event; returns its client event id. */
  add(event: ClientEvent): string {
    const id = `${this.#opts.idPrefix}.${(this.#seq++).toString(36)}`;
    this.#pending.push({ ...event, client_event_id: id });
    if (this.#pending.length >= this.#opts.maxBatch) void this.#drain().catch(() => {});
    else if (this.#timer === undefined && this.#opts.maxDelayMs > 0)
      this.#timer = setTimeout(() => void this.#drain().catch(() => {}), this.#opts.maxDelayMs);
    return id;
  }

  /** Sends everything queued; rejects with the first send failure since the last flush. */
  async flush(): Promise<void> {
    await this.#drain();
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw failure;
  }

  #drain(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#opts.maxBatch);
      this.#chain = this.#chain.then(async () => {
        try {
          await this.#send(batch);
          this.sent += batch.length;
        } catch (err) {
          this.#failure ??= err;
        }
      });
    }
    return this.#chain;
  }
}
