import type { Clock } from '../../../core/clock.ts';
import type { BatchHandler, EventLog, LoggedEvent, Subscription } from '../../../core/events/ports.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import type { Telemetry } from '../../../core/telemetry/telemetry.ts';
import { ENGAGEMENT_TOPIC, type EngagementEvent, engagementEventSchema } from '../events.ts';

/** A parsed event with where it sits in the log. */
export interface ParsedEvent {
  event: EngagementEvent;
  logged: LoggedEvent;
}

/** Why events are dead-lettered, as a bounded label: unparseable, naming no known video, or failing alone. */
export type DeadLetterKind = 'malformed' | 'unknown_video' | 'failed';

/** An event a consumer refused, and why. */
export interface Rejected {
  logged: LoggedEvent;
  kind: DeadLetterKind;
  /** The details, stored with the dead letter. */
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

/** The consumers' metrics (labelled by group, never by event) and their logger, component `consumer`. */
function consumerTelemetry(telemetry: Telemetry) {
  return {
    component: telemetry.component('consumer'),
    consumed: telemetry.counter({
      name: 'foryou_events_consumed_total',
      help: 'Engagement events a consumer group handled (applied or dead-lettered) and committed',
      labelNames: ['group'],
    }),
    deadLetters: telemetry.counter({
      name: 'foryou_dead_letters_total',
      help: 'Events a consumer group refused for good, filed in dead_letters, by reason',
      labelNames: ['group', 'reason'],
    }),
    batchFailures: telemetry.counter({
      name: 'foryou_consumer_batch_failures_total',
      help: 'Batches whose handling failed (a backend down): the log delivers them again after a backoff',
      labelNames: ['group'],
    }),
    batchSeconds: telemetry.histogram({
      name: 'foryou_consumer_batch_duration_seconds',
      help: 'Time to handle one batch of engagement events',
      labelNames: ['group'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
  };
}

/** Errors a handler already reported, so the event log's onError does not report them twice. */
const reported = new WeakSet<object>();

/**
 * Wraps a consumer into a log handler: malformed events and refusals go to `dead_letters` with
 * their reason and the batch moves on, so a poison event never stalls the group. Dead letters are
 * keyed by log position, so a redelivered batch does not file them twice. Handled events, dead
 * letters and failed batches are counted, and dead letters and failures logged.
 */
export function consumerHandler(
  deps: { metadata: MetadataStore; clock: Clock; telemetry: Telemetry },
  consumer: EngagementConsumer,
) {
  const t = consumerTelemetry(deps.telemetry);
  const group = consumer.group;
  const handler: BatchHandler = async (batch) => {
    const t0 = performance.now();
    try {
      await handle(batch);
    } catch (err) {
      t.batchFailures.inc({ group });
      t.component.failed(err, `${group}: batch failed; the log delivers it again after a backoff`, {
        group,
        partition: batch[0]?.partition,
        offsets: [batch[0]?.offset, batch.at(-1)?.offset],
      });
      if (err !== null && typeof err === 'object') reported.add(err);
      throw err;
    }
    t.consumed.inc({ group }, batch.length);
    t.batchSeconds.observe({ group }, (performance.now() - t0) / 1000);
  };
  const handle = async (batch: readonly LoggedEvent[]) => {
    const rejected: Rejected[] = [];
    const valid: ParsedEvent[] = [];
    const ids = new Set<string>();
    for (const logged of batch) {
      const parsed = engagementEventSchema.safeParse(logged.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        rejected.push({
          logged,
          kind: 'malformed',
          reason: `malformed: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        });
      } else if (!ids.has(parsed.data.id)) {
        ids.add(parsed.data.id);
        valid.push({ event: parsed.data, logged });
      }
    }
    if (valid.length > 0) rejected.push(...(await consumer.apply(valid)));
    if (rejected.length === 0) return;
    // Only letters filed now: a redelivered batch finds its letters already there.
    const filed = await deadLetter(deps, group, rejected);
    if (filed.length === 0) return;
    const byKind: Partial<Record<DeadLetterKind, number>> = {};
    for (const r of filed) {
      byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
      t.deadLetters.inc({ group, reason: r.kind });
    }
    t.component.log.warn(
      { group, deadLetters: byKind, first: { offset: filed[0]!.logged.offset, reason: filed[0]!.reason } },
      'events dead-lettered',
    );
  };
  return handler;
}

/** Files refused events in `dead_letters`; idempotent per (group, log position). Returns those filed now. */
export async function deadLetter(
  deps: { metadata: MetadataStore; clock: Clock },
  source: string,
  rejected: readonly Rejected[],
): Promise<Rejected[]> {
  const now = deps.clock.now();
  let filed: Rejected[] = [];
  await deps.metadata.transaction(async (tx) => {
    filed = []; // a PostgreSQL serialization retry runs this again
    for (const r of rejected) {
      const { logged, reason } = r;
      let payload: string;
      try {
        payload = JSON.stringify(logged.value) ?? 'null';
      } catch {
        // Not JSON-serialisable (a cycle): the dead letter keeps what String() shows instead.
        payload = String(logged.value);
      }
      const { changes } = await tx.run(
        'INSERT INTO dead_letters (id, source, reason, payload, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [
          `${source}:${logged.topic}:${logged.partition}:${logged.offset}`,
          source,
          reason.slice(0, 1000),
          payload.slice(0, 10_000),
          now,
        ],
      );
      if (changes > 0) filed.push(r);
    }
  });
  return filed;
}

/**
 * Events handed to a consumer at most at once. A chunk's cost is mostly per call (the feature store reads
 * and rewrites every record a chunk touches, whatever its size), so a consumer catching up takes big
 * chunks; a caught-up one gets what arrived, never waiting for more.
 */
const MAX_BATCH = 2_000;

/** Subscribes a consumer to the engagement topic; the log's errors are logged and counted. */
export function startConsumer(
  deps: { events: EventLog; metadata: MetadataStore; clock: Clock; telemetry: Telemetry },
  consumer: EngagementConsumer,
  opts: { maxBatch?: number } = {},
): Promise<Subscription> {
  const component = deps.telemetry.component('consumer');
  return deps.events.subscribe({
    topic: ENGAGEMENT_TOPIC,
    group: consumer.group,
    handler: consumerHandler(deps, consumer),
    fromBeginning: true,
    maxBatch: opts.maxBatch ?? MAX_BATCH,
    onError: (err) => {
      if (err !== null && typeof err === 'object' && reported.has(err)) return;
      component.failed(err, `${consumer.group}: event log consumer error`, { group: consumer.group });
    },
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
    return { logged: item.logged, kind: 'failed', reason: `failed: ${(err as Error).message}` };
  }
}
