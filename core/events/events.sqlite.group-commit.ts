import { type EncodedEvent, takeWhole } from './events.common.ts';
import type { LoggedEvent } from './ports.ts';

/** One append waiting for the next commit: its topic, its encoded events and its caller's promise. */
export interface PendingAppend {
  topic: string;
  encoded: EncodedEvent[];
  resolve: (logged: LoggedEvent[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Writes a group of appends in one transaction and returns each append's logged events, in the group's
 * order; throws when the transaction failed (then nothing of the group was written).
 */
export type CommitGroup = (group: readonly PendingAppend[]) => LoggedEvent[][];

/**
 * Group commit for the embedded log, the SQLite side of what `events.kafka.send-queue.ts` does for Kafka:
 * the first append of an event-loop turn is written at once, in its own transaction; appends made later in
 * the same turn (other requests' handlers that ran while that fsync blocked) wait for the turn's end
 * (`setImmediate`) and are written together, in one transaction and one fsync (synchronous=FULL makes the
 * fsync, not the insert, the cost of an append). A lone writer so never waits, and many concurrent writers
 * share fsyncs. Every append resolves only after the transaction that holds it committed, so an acknowledged
 * append survives a kill -9; a failed transaction rejects every append in it, and none of them was written.
 * Order holds: groups keep arrival order, and a caller awaiting its append makes its next one later.
 */
export class GroupCommit {
  readonly #commit: CommitGroup;
  readonly #maxEvents: number;
  #pending: PendingAppend[] = [];
  /** Set from a commit until the end of its turn; appends meanwhile wait for that end. */
  #turn: Promise<void> | undefined;

  /** `maxEvents` bounds one transaction (always at least one whole append). */
  constructor(commit: CommitGroup, maxEvents = 5_000) {
    this.#commit = commit;
    this.#maxEvents = maxEvents;
  }

  /** Writes `encoded` now or with this turn's group; resolves with its logged events once durable. */
  append(topic: string, encoded: EncodedEvent[]): Promise<LoggedEvent[]> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, encoded, resolve, reject });
      if (this.#turn) return;
      this.#turn = new Promise<void>((done) =>
        setImmediate(() => {
          this.flush();
          this.#turn = undefined;
          done();
        }),
      );
      this.flush();
    });
  }

  /** Commits everything queued now, in groups of at most `maxEvents` events. */
  flush(): void {
    while (this.#pending.length > 0) this.#commitOne(this.#take());
  }

  #take(): PendingAppend[] {
    return takeWhole(this.#pending, this.#maxEvents, (p) => p.encoded.length);
  }

  #commitOne(group: PendingAppend[]): void {
    let logged: LoggedEvent[][];
    try {
      logged = this.#commit(group);
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    for (let i = 0; i < group.length; i++) group[i]!.resolve(logged[i]!);
  }
}
