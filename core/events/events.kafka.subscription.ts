import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { Alarm, redeliveryBackoffMs } from './events.common.ts';
import type { BatchHandler, LoggedEvent, Subscription } from './ports.ts';

export interface KafkaSubOptions {
  topic: string;
  group: string;
  handler: BatchHandler;
  maxBatch: number;
  onError: (err: unknown) => void;
}

export const decodeKafkaMessage = (topic: string, partition: number, m: KafkaMessage): LoggedEvent => ({
  topic,
  partition,
  offset: Number(m.offset),
  key: m.key?.toString() ?? '',
  value: m.value === null ? null : JSON.parse(m.value.toString()),
  timestamp: Number(m.timestamp),
});

/** Fetched events a subscription holds before a fetch waits for the handler to catch up. */
const MAX_BUFFERED = 20_000;

/**
 * How long a partition's next chunk waits to fill up while the broker holds more of the partition than was
 * fetched (catching up on small record batches): a handler call and a commit per fetched batch cost far more
 * than the batch. A caught-up partition never waits, so this adds nothing to the lag of live traffic.
 */
const FILL_WAIT_MS = 10;

/** One partition's fetched, not yet handled events, and the loop handing them to the handler. */
interface PartitionQueue {
  events: LoggedEvent[];
  draining: Promise<void> | undefined;
  /** The last fetch saw more of the partition on the broker than it returned. */
  behind: boolean;
  /** Ends the chunk's wait for more events, when one is waiting. */
  filled: (() => void) | undefined;
}

/**
 * One consumer-group member that fetches ahead: a fetched batch is queued and the next fetch starts at
 * once, while each partition's queue is handed to the handler in chunks of up to `maxBatch` (so many small
 * fetched batches become one handled chunk) and each chunk's offset is committed after it resolved.
 * Partitions are handled concurrently, each in order. Past `MAX_BUFFERED` queued events, fetching waits.
 * Delivery stays at-least-once: nothing is committed before its handler resolved; events queued when the
 * partition moves to another member or the subscription stops are simply not committed, and come again.
 */
export class KafkaSubscription implements Subscription {
  readonly #o: KafkaSubOptions;
  readonly #consumer: Consumer;
  readonly #alarm = new Alarm();
  readonly #queues = new Map<number, PartitionQueue>();
  readonly #joinWaitMs: number;
  readonly #concurrency: number;
  #buffered = 0;
  /** Wake the fetches waiting for room in the buffer. */
  #room: (() => void)[] = [];
  #stopping: Promise<void> | undefined;
  onStopped: () => void = () => {};

  constructor(consumer: Consumer, o: KafkaSubOptions, settings: { joinWaitMs: number; concurrency: number }) {
    this.#o = o;
    this.#consumer = consumer;
    this.#joinWaitMs = settings.joinWaitMs;
    this.#concurrency = settings.concurrency;
  }

  /** Resolves once the consumer joined its group, so what is appended afterwards reaches it. */
  async start(fromBeginning: boolean): Promise<void> {
    const c = this.#consumer;
    const joined = new Promise<void>((resolve) => {
      const off = c.on(c.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await c.connect();
    await c.subscribe({ topic: this.#o.topic, fromBeginning });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#concurrency,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
    // A group that cannot form yet must not hang the caller; the consumer keeps trying in the background.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), this.#joinWaitMs);
    });
    if (await Promise.race([joined.then(() => false), late])) {
      this.#o.onError(new Error(`EventLog: group ${this.#o.group} has not joined yet; still trying`));
    }
    clearTimeout(timer);
  }

  /** Queues a fetched batch (continuing the partition's queue only) and lets the next fetch go. */
  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (this.#stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const { topic, partition } = batch;
    let q = this.#queues.get(partition);
    if (!q) {
      q = { events: [], draining: undefined, behind: false, filled: undefined };
      this.#queues.set(partition, q);
    }
    const last = q.events.at(-1)?.offset;
    for (const m of batch.messages) {
      const e = decodeKafkaMessage(topic, partition, m);
      // A refetch after a seek or rebalance may repeat queued offsets: the queue stays strictly increasing.
      if (last !== undefined && e.offset <= last) continue;
      q.events.push(e);
      this.#buffered++;
    }
    // Marks the batch as taken, so the fetcher asks for what follows; the commit waits for the handler.
    resolveOffset(batch.lastOffset());
    q.behind = Number(batch.highWatermark) > Number(batch.lastOffset()) + 1;
    if (q.filled && (!q.behind || q.events.length >= this.#o.maxBatch)) q.filled();
    q.draining ??= this.#drain(partition, q).finally(() => {
      q.draining = undefined;
    });
    while (this.#buffered > MAX_BUFFERED && !this.#stopping) {
      await new Promise<void>((r) => {
        this.#room.push(r);
        setTimeout(r, 1_000);
      });
      await heartbeat().catch(() => {});
    }
  }

  /** Hands a partition's queue to the handler chunk by chunk, committing after each. */
  async #drain(partition: number, q: PartitionQueue): Promise<void> {
    const { topic, maxBatch } = this.#o;
    while (q.events.length > 0 && !this.#stopping) {
      if (q.behind && q.events.length < maxBatch) await this.#fill(q);
      if (this.#stopping) return;
      const chunk = q.events.slice(0, maxBatch);
      for (let failures = 0; ; ) {
        try {
          await this.#o.handler(chunk);
          break;
        } catch (err) {
          this.#o.onError(err);
          failures++;
          await this.#alarm.sleep(redeliveryBackoffMs(failures));
          if (this.#stopping) return;
        }
      }
      const next = chunk.at(-1)!.offset + 1;
      try {
        await this.#consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
      } catch (err) {
        // Most likely the partition moved to another member: drop the queue, its new owner reads on from
        // the last commit (the events just handled come again there; handlers are idempotent).
        this.#o.onError(err);
        this.#release(q.events.length);
        q.events = [];
        return;
      }
      q.events.splice(0, chunk.length);
      this.#release(chunk.length);
    }
  }

  /** Waits until the queue holds a full chunk, the partition is caught up, or `FILL_WAIT_MS` passed. */
  #fill(q: PartitionQueue): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        q.filled = undefined;
        resolve();
      };
      const timer = setTimeout(done, FILL_WAIT_MS);
      q.filled = done;
    });
  }

  #release(n: number): void {
    this.#buffered -= n;
    if (this.#buffered <= MAX_BUFFERED) for (const wake of this.#room.splice(0)) wake();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#alarm.wake();
      for (const wake of this.#room.splice(0)) wake();
      for (const q of this.#queues.values()) q.filled?.();
      // Each partition finishes (and commits) the chunk in flight; what is queued behind it comes again.
      await Promise.all([...this.#queues.values()].map((q) => q.draining));
      await this.#consumer.disconnect();
      this.onStopped();
    })();
    return this.#stopping;
  }
}
