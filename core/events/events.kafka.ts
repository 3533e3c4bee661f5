import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs';
import { type Clock, systemClock } from '../clock.ts';
import { checkCount, checkSubscribeOptions, checkTopic, encodeEvents } from './events.common.ts';
import { KafkaSendQueue } from './events.kafka.send-queue.ts';
import { decodeKafkaMessage, KafkaSubscription } from './events.kafka.subscription.ts';
import { type KafkaSettings, parseKafkaUrl } from './events.kafka.url.ts';
import type { EventLog, LoggedEvent, NewEvent, SubscribeOptions, Subscription } from './ports.ts';

/** Opens and connects a Kafka-backed event log from a `kafka://` URL. */
export async function openKafkaEventLog(
  url: string,
  options: { onError?: (err: unknown) => void; clock?: Clock } = {},
): Promise<EventLog> {
  const log = new KafkaEventLog(parseKafkaUrl(url), options.onError ?? (() => {}), options.clock ?? systemClock);
  await log.connect();
  return log;
}

/**
 * The event log on Kafka: topics are created with the configured partitions, events are partitioned by key
 * (KafkaJS's Java-compatible partitioner), appends wait for all in-sync replicas (acks=-1), and each
 * subscription is a consumer group that commits a batch only after its handler resolved.
 */
export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  readonly s: KafkaSettings;
  readonly kafka: Kafka;
  readonly onError: (err: unknown) => void;
  readonly #clock: Clock;
  readonly #admin: Admin;
  #producer: Producer | undefined;
  #sendQueue: KafkaSendQueue | undefined;
  /** The partition the partitioner chose for each message object of an in-flight send. */
  readonly #chosen = new WeakMap<object, number>();
  readonly #topics = new Map<string, Promise<void>>();
  readonly #closers = new Set<() => Promise<void>>();
  #canCreateTopics = false;
  #closed = false;

  constructor(s: KafkaSettings, onError: (err: unknown) => void, clock: Clock) {
    this.s = s;
    this.onError = onError;
    this.#clock = clock;
    this.kafka = new Kafka({
      clientId: s.clientId,
      brokers: s.brokers,
      connectionTimeout: s.connectionTimeout,
      requestTimeout: s.requestTimeout,
      retry: { retries: s.retries, initialRetryTime: s.initialRetryTime },
      logLevel: logLevel.ERROR,
      // KafkaJS logs to the console by default; ours go to the caller instead.
      logCreator: () => (entry) => onError(new Error(`kafkajs ${entry.namespace}: ${entry.log.message}`)),
    });
    this.#admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.#admin.connect();
    // KafkaJS sends CreateTopics and InitProducerId to the controller; a cluster that names none (librdkafka's
    // mock broker reports controller 0 among brokers 1..n) gets auto-created topics and a plain producer.
    const cluster = await this.#admin.describeCluster();
    this.#canCreateTopics = cluster.brokers.some((b) => b.nodeId === cluster.controller);
    const idempotent = this.s.idempotent === 'auto' ? this.#canCreateTopics : this.s.idempotent;
    const chosen = this.#chosen;
    this.#producer = this.kafka.producer({
      idempotent,
      ...(idempotent ? { maxInFlightRequests: 1 } : {}),
      metadataMaxAge: this.s.metadataMaxAge,
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          const p = partition(args);
          chosen.set(args.message, p);
          return p;
        };
      },
    });
    await this.#producer.connect();
    const producer = this.#producer;
    this.#sendQueue = new KafkaSendQueue(
      (topicMessages) => producer.sendBatch({ topicMessages, acks: -1 }),
      (message) => chosen.get(message),
    );
  }

  /** Creates the topic with the configured partitions unless it exists (or lets the broker auto-create it). */
  ensureTopic(topic: string): Promise<void> {
    let done = this.#topics.get(topic);
    if (!done) {
      done = (async () => {
        if (this.#canCreateTopics) {
          await this.#admin.createTopics({
            topics: [{ topic, numPartitions: this.s.partitions, replicationFactor: this.s.replication }],
            waitForLeaders: true,
          });
        } else {
          await this.#admin.fetchTopicMetadata({ topics: [topic] });
        }
      })();
      this.#topics.set(topic, done);
      done.catch(() => this.#topics.delete(topic));
    }
    return done;
  }

  async append(topic: string, events: readonly NewEvent[]): Promise<LoggedEvent[]> {
    this.#open();
    checkTopic(topic);
    const encoded = encodeEvents(events, this.#clock.now());
    if (encoded.length === 0) return [];
    await this.ensureTopic(topic);
    const messages: Message[] = encoded.map((e) => ({ key: e.key, value: e.json, timestamp: String(e.timestamp) }));
    // Concurrent appends leave in one produce request (see KafkaSendQueue).
    const positions = await this.#sendQueue!.send(topic, messages);
    return encoded.map((e, i) => ({
      topic,
      partition: positions[i]!.partition,
      offset: positions[i]!.offset,
      key: e.key,
      value: JSON.parse(e.json),
      timestamp: e.timestamp,
    }));
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    this.#open();
    const maxBatch = checkSubscribeOptions(opts);
    await this.ensureTopic(opts.topic);
    const onError = opts.onError ?? this.onError;
    const sub = new KafkaSubscription(
      this.newConsumer(opts.group, onError),
      { ...opts, maxBatch, onError },
      {
        joinWaitMs: this.s.rebalanceTimeout + this.s.sessionTimeout,
        concurrency: this.s.partitionsConsumedConcurrently,
      },
    );
    const close = () => sub.stop();
    this.#closers.add(close);
    sub.onStopped = () => this.#closers.delete(close);
    await sub.start(opts.fromBeginning ?? true);
    return sub;
  }

  /** A consumer with this log's timeouts, its errors reported and its crashes always restarted. */
  newConsumer(groupId: string, onError: (err: unknown) => void): Consumer {
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.s.sessionTimeout,
      rebalanceTimeout: this.s.rebalanceTimeout,
      heartbeatInterval: this.s.heartbeatInterval,
      metadataMaxAge: this.s.metadataMaxAge,
      maxWaitTimeInMs: this.s.maxWaitTime,
      retry: {
        retries: this.s.retries,
        initialRetryTime: this.s.initialRetryTime,
        // A subscription never dies: whatever crashed the consumer, it rejoins and resumes from its commits.
        restartOnFailure: async (err) => {
          onError(err);
          return true;
        },
      },
    });
    consumer.on(consumer.events.CRASH, (e) => onError(e.payload.error));
    return consumer;
  }

  async read(topic: string, partition: number, offset: number, limit: number): Promise<LoggedEvent[]> {
    this.#open();
    checkTopic(topic);
    checkCount('partition', partition, 0);
    checkCount('offset', offset, 0);
    checkCount('limit', limit, 0);
    await this.ensureTopic(topic);
    const marks = await this.#admin.fetchTopicOffsets(topic);
    const mark = marks.find((m) => m.partition === partition);
    if (!mark)
      throw new RangeError(`EventLog: topic ${topic} has ${marks.length} partitions; ${partition} does not exist`);
    const end = Math.min(Number(mark.high), offset + limit);
    if (limit === 0 || offset >= end) return [];
    if (offset < Number(mark.low))
      throw new RangeError(`EventLog: offset ${offset} of ${topic}/${partition} was deleted by retention`);
    return this.#fetchRange(topic, partition, marks.length, offset, end);
  }

  /**
   * Reads [from, end) of one partition. KafkaJS has no manual assignment, so a throwaway group joins, pauses
   * the other partitions and seeks; joining costs the broker's initial rebalance delay (3 s by default).
   */
  async #fetchRange(
    topic: string,
    partition: number,
    count: number,
    from: number,
    end: number,
  ): Promise<LoggedEvent[]> {
    const got = new Map<number, LoggedEvent>(); // by offset: a refetch after the seek may repeat events
    let finish!: () => void;
    const done = new Promise<void>((r) => {
      finish = r;
    });
    const consumer = this.newConsumer(`${this.s.clientId}-read-${randomUUID()}`, this.onError);
    const close = () => consumer.disconnect();
    this.#closers.add(close);
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          if (batch.partition !== partition) return;
          for (const m of batch.messages) {
            resolveOffset(m.offset);
            const e = decodeKafkaMessage(topic, partition, m);
            if (e.offset >= from && e.offset < end) got.set(e.offset, e);
            if (e.offset >= end - 1) finish();
          }
        },
      });
      const others = Array.from({ length: count }, (_, p) => p).filter((p) => p !== partition);
      if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
      consumer.seek({ topic, partition, offset: String(from) });
      const deadline = this.s.rebalanceTimeout + this.s.requestTimeout;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`EventLog: reading ${topic}/${partition} timed out`)), deadline);
      });
      try {
        await Promise.race([done, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      this.#closers.delete(close);
      await consumer.disconnect().catch(this.onError);
    }
    return [...got.values()].sort((a, b) => a.offset - b.offset);
  }

  async partitions(topic: string): Promise<number> {
    this.#open();
    checkTopic(topic);
    await this.ensureTopic(topic);
    const meta = await this.#admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.length ?? 0;
  }

  async committed(topic: string, group: string): Promise<number[]> {
    this.#open();
    checkTopic(topic);
    await this.ensureTopic(topic);
    const [offsets] = await this.#admin.fetchOffsets({ groupId: group, topics: [topic] });
    const out = new Array<number>(offsets?.partitions.length ?? 0).fill(0);
    for (const p of offsets?.partitions ?? []) out[p.partition] = Math.max(0, Number(p.offset));
    return out;
  }

  async endOffsets(topic: string): Promise<number[]> {
    this.#open();
    checkTopic(topic);
    await this.ensureTopic(topic);
    const marks = await this.#admin.fetchTopicOffsets(topic);
    const out = new Array<number>(marks.length).fill(0);
    for (const m of marks) out[m.partition] = Number(m.high);
    return out;
  }

  /** Retention belongs to the broker (the topic's `retention.ms`); nothing is deleted from here. */
  async trim(topic: string, _beforeTs: number): Promise<number> {
    this.#open();
    checkTopic(topic);
    return 0;
  }

  async ping(): Promise<void> {
    this.#open();
    await this.#admin.describeCluster();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#closers].map((c) => c().catch(this.onError)));
    await this.#producer?.disconnect().catch(this.onError);
    await this.#admin.disconnect().catch(this.onError);
  }

  #open(): void {
    if (this.#closed) throw new Error('EventLog: the kafka event log is closed');
  }
}
