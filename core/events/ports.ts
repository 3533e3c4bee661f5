/** An event before it is appended. `key` picks the partition (e.g. the user id) so per-key order holds. */
export interface NewEvent {
  key: string;
  /** JSON-serialisable payload. */
  value: unknown;
  /** Epoch ms; defaults to the append time. */
  timestamp?: number;
}

/** An event as stored: its position is (topic, partition, offset). */
export interface LoggedEvent {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: unknown;
  timestamp: number;
}

/**
 * Handler for a batch; the batch's offsets are committed only after it resolves (at-least-once). A batch
 * holds events of one partition, and batches of one partition never overlap; batches of different
 * partitions may be handled at the same time, so a handler must be safe to run concurrently.
 */
export type BatchHandler = (batch: readonly LoggedEvent[]) => Promise<void>;

/** What a subscriber asks for: a topic, a consumer group and a handler for its batches. */
export interface SubscribeOptions {
  topic: string;
  group: string;
  handler: BatchHandler;
  fromBeginning?: boolean;
  maxBatch?: number;
  /** Told about each handler failure (the batch is then redelivered after a backoff) and client errors. */
  onError?: (err: unknown) => void;
}

export interface Subscription {
  /** Stops fetching, waits for the in-flight batch and commits it. */
  stop(): Promise<void>;
}

/**
 * An append-only, partitioned event log with consumer groups.
 * - `append` resolves only when every event is durable; it returns their positions in order.
 * - A group's committed offset survives restarts; a new group starts at the beginning (or end, if asked).
 * - Delivery is at-least-once: a handler that throws, or a process that dies, gets the batch again.
 * @remarks No transactions or exactly-once: consumers are idempotent by event id instead.
 */
export interface EventLog {
  readonly kind: 'sqlite' | 'kafka';
  append(topic: string, events: readonly NewEvent[]): Promise<LoggedEvent[]>;
  subscribe(opts: SubscribeOptions): Promise<Subscription>;
  /** Replay: events of one partition from `offset` (inclusive), at most `limit`. */
  read(topic: string, partition: number, offset: number, limit: number): Promise<LoggedEvent[]>;
  /** Number of partitions of a topic (1 for the embedded log). */
  partitions(topic: string): Promise<number>;
  /** The committed next offset per partition for a group (0 when nothing was committed). */
  committed(topic: string, group: string): Promise<number[]>;
  /** The next offset to be written per partition (the log end); `end - committed` is a group's lag. */
  endOffsets(topic: string): Promise<number[]>;
  /**
   * Retention: deletes the events of `topic` older than `beforeTs` (epoch ms) that every consumer group
   * has already processed, never the newest one (offsets keep counting from it); returns how many went.
   * The Kafka log leaves retention to the broker (the topic's `retention.ms`) and deletes nothing here.
   */
  trim(topic: string, beforeTs: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
