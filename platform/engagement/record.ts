import { AppError } from '../../core/errors/registry.ts';
import type { EventLog } from '../../core/events/ports.ts';
import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import { ENGAGEMENT_TOPIC, type EngagementEvent } from './events.ts';

/** What a recording step changed: the caller's result and the events describing the change. */
export interface Recorded<T> {
  result: T;
  events: EngagementEvent[];
}

/**
 * Writes the durable record and appends its events in one metadata transaction: the append runs
 * before the commit, so a failed append rolls the record back and the caller gets 503 with nothing
 * half-done. Once this resolves both are durable, so an acknowledged engagement is never lost.
 * @remarks If the commit itself fails after the append, the log holds an event without a record;
 * consumers tolerate that and the counter reconcile recomputes from records.
 */
export async function recordAndAppend<T>(
  deps: { metadata: MetadataStore; events: EventLog },
  write: (tx: SqlExecutor) => Promise<Recorded<T>>,
): Promise<T> {
  return deps.metadata.transaction(async (tx) => {
    const { result, events } = await write(tx);
    if (events.length > 0) await appendEngagement(deps.events, events);
    return result;
  });
}

/** Appends engagement events keyed by actor; a log failure becomes 503 BACKEND_UNAVAILABLE. */
export async function appendEngagement(log: EventLog, events: readonly EngagementEvent[]): Promise<void> {
  try {
    await log.append(
      ENGAGEMENT_TOPIC,
      events.map((e) => ({ key: e.actor, value: e, timestamp: e.ts })),
    );
  } catch (err) {
    throw new AppError('BACKEND_UNAVAILABLE', 'The event log did not accept the write; retry shortly.', {
      cause: (err as Error).message,
    });
  }
}
