import type { Message, RecordMetadata } from 'kafkajs';
import { takeWhole } from './events.common.ts';

/** One append waiting for its send: its messages and where to report their positions. */
interface Waiting {
  topic: string;
  messages: Message[];
  resolve: (positions: { partition: number; offset: number }[]) => void;
  reject: (err: unknown) => void;
}

/** Sends one produce request for several topics' messages (acks=-1), as KafkaJS's `sendBatch` does. */
export type SendBatch = (topicMessages: { topic: string; messages: Message[] }[]) => Promise<RecordMetadata[]>;

/**
 * Coalesces concurrent appends into one produce request, the producer side of group commit (Kafka's
 * `linger.ms` without the wait): an append made while no send is in flight goes out at once; appends made
 * while one is in flight wait for it and then leave together, up to `maxMessages` per request. Fewer, larger
 * record batches are what a consumer fetches, so they also make consuming cheaper (a fetch of librdkafka's
 * mock broker returns one record batch per partition). Order holds per caller: an append resolves only after
 * its request was acknowledged, so a caller's next append always goes out in a later request.
 */
export class KafkaSendQueue {
  readonly #send: SendBatch;
  readonly #partitionOf: (message: Message) => number | undefined;
  readonly #maxMessages: number;
  #waiting: Waiting[] = [];
  #sending = false;

  constructor(send: SendBatch, partitionOf: (message: Message) => number | undefined, maxMessages = 5_000) {
    this.#send = send;
    this.#partitionOf = partitionOf;
    this.#maxMessages = maxMessages;
  }

  /** Resolves with each message's (partition, offset), in order, once its request was acknowledged. */
  send(topic: string, messages: Message[]): Promise<{ partition: number; offset: number }[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ topic, messages, resolve, reject });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#waiting.length > 0) await this.#sendOne(this.#take());
    } finally {
      this.#sending = false;
    }
  }

  /** The oldest waiting appends, whole, up to `maxMessages` (always at least one). */
  #take(): Waiting[] {
    return takeWhole(this.#waiting, this.#maxMessages, (w) => w.messages.length);
  }

  async #sendOne(group: Waiting[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const w of group) {
      const list = byTopic.get(w.topic);
      if (list) for (const m of w.messages) list.push(m);
      else byTopic.set(w.topic, [...w.messages]);
    }
    let results: RecordMetadata[];
    try {
      results = await this.#send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    // A partition's messages got dense offsets from its base, in the order they were sent: the
    // appends' order in the group, then each append's own order.
    const base = new Map(results.map((r) => [`${r.topicName}\u0000${r.partition}`, Number(r.baseOffset)]));
    const rank = new Map<string, number>();
    for (const w of group) {
      try {
        w.resolve(
          w.messages.map((m, i) => {
            const partition = this.#partitionOf(m);
            const key = `${w.topic}\u0000${partition}`;
            const b = base.get(key);
            if (partition === undefined || b === undefined)
              throw new Error(`EventLog: no offset reported for event ${i} of ${w.topic}`);
            const r = rank.get(key) ?? 0;
            rank.set(key, r + 1);
            return { partition, offset: b + r };
          }),
        );
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
