import type { EventLog } from '../../core/events/ports.ts';
import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import type { EngagementEvent } from './events.ts';
import { appendEngagement, type Recorded, recordAndAppend } from './record.ts';

interface Pending {
  write: (tx: SqlExecutor) => Promise<Recorded<unknown>>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for `recordAndAppend`: writes that arrive while `concurrency` transactions are committing
 * wait and then share the next one, with one append of all their events before its commit. Each caller
 * still resolves only after its record and its events are durable, so an acknowledged write is never
 * lost; one commit (one fsync, one produce) is paid per group instead of per write. Up to `concurrency`
 * groups commit at once (a server database overlaps them; SQLite serialises them anyway).
 * A group that fails is retried one write at a time, so a write that throws fails alone.
 */
export class GroupCommit {
  readonly #deps: { metadata: MetadataStore; events: EventLog };
  readonly #maxGroup: number;
  readonly #concurrency: number;
  #queue: Pending[] = [];
  #active = 0;
  /** Groups committed, and writes in them (for tests and benchmarks). */
  groups = 0;
  writes = 0;

  constructor(
    deps: { metadata: MetadataStore; events: EventLog },
    opts: { maxGroup?: number; concurrency?: number } = {},
  ) {
    this.#deps = deps;
    this.#maxGroup = opts.maxGroup ?? 256;
    this.#concurrency = opts.concurrency ?? 16;
  }

  /** `recordAndAppend(deps, write)`, committed together with the writes queued beside it. */
  run<T>(write: (tx: SqlExecutor) => Promise<Recorded<T>>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (v: unknown) => void, reject });
      if (this.#active < this.#concurrency) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#active++;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, this.#maxGroup);
        if (group.length === 1) {
          await this.#alone(group[0]!);
          continue;
        }
        let results: unknown[];
        try {
          results = await this.#deps.metadata.transaction(async (tx) => {
            const out: unknown[] = [];
            const events: EngagementEvent[] = [];
            for (const p of group) {
              const r = await p.write(tx);
              out.push(r.result);
              events.push(...r.events);
            }
            if (events.length > 0) await appendEngagement(this.#deps.events, events);
            return out;
          });
        } catch {
          // Rolled back as a whole: each write again on its own, so only a failing one fails.
          for (const p of group) await this.#alone(p);
          continue;
        }
        this.groups++;
        this.writes += group.length;
        group.forEach((p, i) => {
          p.resolve(results[i]);
        });
      }
    } finally {
      this.#active--;
    }
  }

  async #alone(p: Pending): Promise<void> {
    try {
      p.resolve(await recordAndAppend(this.#deps, p.write));
      this.groups++;
      this.writes++;
    } catch (err) {
      p.reject(err);
    }
  }
}
