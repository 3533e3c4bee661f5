import type { Clock } from '../../../core/clock.ts';
import type { BatchHandler, EventLog, LoggedEvent, Subscription } from '../../../core/events/ports.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import { ENGAGEMENT_TOPIC, type EngagementEvent, engagementEventSchema } from '../events.ts';

/** A parsed event with where it sits in the log. */
export interface ParsedEvent {
  event: EngagementEvent;
  logged: LoggedEvent;
}

/** An event a consumer refused, and why. */
export interface Rejected {
  logged: LoggedEvent;
  reason: string;
}

/** One consumer of the engagement topic. */
export interface EngagementConsumer {
  /** The consumer group; also the dead letters' `source`. */
  group: string;
  /**
   * Applies well-formed events (deduplicated by id within the batch) and returns those it refused
   * for good. Throwing means a transient failure: the whole batch is delivered again.
   */
  apply(events: readonly ParsedEvent[]): Promise<Rejected[]>;
}

/**
 * Wraps a consumer into a log handler: malformed events and refusals go to `dead_letters` with
 * their reason and the batch moves on, so a poison event never stalls the group. Dead letters are
 * keyed by log position, so a redelivered batch does not file them twice.
 */
export function consumerHandler(deps: { metadata: MetadataStore; clock: Clock }, consumer: EngagementConsumer) {
  const handler: BatchHandler = async (batch) => {
    const rejected: Rejected[] = [];
    const valid: ParsedEvent[] = [];
    const ids = new Set<string>();
    for (const logged of batch) {
      const parsed = engagementEventSchema.safeParse(logged.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        rejected.push({ logged, reason: `malformed: ${issue?.path.join('.') || '(root)'}: ${issue?.message}` });
      } else if (!ids.has(parsed.data.id)) {
        ids.add(parsed.data.id);
        valid.push({ event: parsed.data, logged });
      }
    }
    if (valid.length > 0) rejected.push(...(await consumer.apply(valid)));
    if (rejected.length > 0) await deadLetter(deps, consumer.group, rejected);
  };
  return handler;
}

/** Files refused events in `dead_letters`; idempotent per (group, log position). */
export async function deadLetter(
  deps: { metadata: MetadataStore; clock: Clock },
  source: string,
  rejected: readonly Rejected[],
): Promise<void> {
  const now = deps.clock.now();
  await deps.metadata.transaction(async (tx) => {
    for (const { logged, reason } of rejected) {
      let payload: string;
      try {
        payload = JSON.stringify(logged.value) ?? 'null';
      } catch {
        payload = String(logged.value);
      }
      await tx.run(
        'INSERT INTO dead_letters (id, source, reason, payload, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [
          `${source}:${logged.topic}:${logged.partition}:${logged.offset}`,
          source,
          reason.slice(0, 1000),
          payload.slice(0, 10_000),
          now,
        ],
      );
    }
  });
}

/** Subscribes a consumer to the engagement topic. */
export function startConsumer(
  deps: { events: EventLog; metadata: MetadataStore; clock: Clock },
  consumer: EngagementConsumer,
  opts: { maxBatch?: number } = {},
): Promise<Subscription> {
  return deps.events.subscribe({
    topic: ENGAGEMENT_TOPIC,
    group: consumer.group,
    handler: consumerHandler(deps, consumer),
    fromBeginning: true,
    maxBatch: opts.maxBatch ?? 500,
  });
}

/**
 * Runs `fn` for one event; a failure is a refusal unless `healthy()` says a backend is down, in
 * which case it rethrows so the batch is retried instead of dead-lettering good events.
 */
export async function applyOne(
  item: ParsedEvent,
  fn: () => Promise<void>,
  healthy: () => Promise<boolean>,
): Promise<Rejected | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (!(await healthy())) throw err;
    return { logged: item.logged, reason: `failed: ${(err as Error).message}` };
  }
}
