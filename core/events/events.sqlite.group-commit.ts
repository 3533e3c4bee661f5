import type { EncodedEvent } from './events.common.ts';
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
 * Group commit for the embedded log: appends made in the same turn of the event loop are written in one
 * transaction, so they share one fsync (synchronous=FULL makes the fsync, not the insert, the cost of an
 * append). The first append of a turn schedules the commit with `setImmediate`, after the I/O callbacks
 * already waiting (other requests' appends) have queued theirs. Every append still resolves only after the
 * transaction that holds it committed, so an acknowledged append survives a kill -9; a failed transaction
 * rejects every append in it, and none of them was written. Order holds: the group keeps arrival order, and a
 * caller awaiting its append makes its next one in a later group.
 */
export class GroupCommit {
  readonly #commit: CommitGroup;
  readonly #maxEvents: number;
  #pending: PendingAppend[] = [];
  #scheduled: Promise<void> | undefined;

  /** `maxEvents` bounds one transaction (always at least one whole append). */
  constructor(commit: CommitGroup, maxEvents = 5_000) {
    this.#commit = commit;
    this.#maxEvents = maxEvents;
  }

  /** Queues `encoded` for the next commit; resolves with its logged events once that commit is durable. */
  append(topic: string, encoded: EncodedEvent[]): Promise<LoggedEvent[]> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, encoded, resolve, reject });
      this.#scheduled ??= new Promise<void>((done) =>
        setImmediate(() => {
          this.#scheduled = undefined;
          this.flush();
          done();
        }),
      );
    });
  }

  /** Commits everything queued now, in groups of at most `maxEvents` events. */
  flush(): void {
    while (this.#pending.length > 0) this.#commitOne(this.#take());
  }

  /** Resolves once the commit scheduled for this turn (if any) has run. */
  async settled(): Promise<void> {
    await this.#scheduled;
  }

  #take(): PendingAppend[] {
    let n = 0;
    let count = 0;
    while (n < this.#pending.length && (n === 0 || count + this.#pending[n]!.encoded.length <= this.#maxEvents)) {
      count += this.#pending[n]!.encoded.length;
      n++;
    }
    return this.#pending.splice(0, n);
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
