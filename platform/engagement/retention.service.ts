import type { EventLog } from '../../core/events/ports.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { BackgroundService } from '../api/background-service.ts';
import { ENGAGEMENT_TOPIC } from './events.ts';

/** Rows deleted per statement, so a long backlog never holds the store's write lock for long. */
const DELETE_BATCH = 5_000;

/** What one retention pass deleted. */
export interface RetentionResult {
  servedItems: number;
  events: number;
}

/** Deletes served items older than `beforeMs`, `DELETE_BATCH` at a time; returns how many. */
export async function trimServeLog(db: MetadataStore, beforeMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { changes: n } = await db.run(
      `DELETE FROM served_items WHERE (request_id, position) IN (
         SELECT request_id, position FROM served_items WHERE served_at < $1 LIMIT $2)`,
      [beforeMs, DELETE_BATCH],
    );
    total += n;
    if (n < DELETE_BATCH) return total;
  }
}

/**
 * One retention pass: served items older than `serveLogMs` and engagement events older than
 * `eventLogMs` (that every consumer group has processed) are deleted; a retention of 0 keeps all.
 * @remarks Training reads both logs: keep them at least as long as the training window.
 */
export async function applyRetention(
  deps: { metadata: MetadataStore; events: EventLog },
  now: number,
  o: { serveLogMs: number; eventLogMs: number },
): Promise<RetentionResult> {
  return {
    servedItems: o.serveLogMs > 0 ? await trimServeLog(deps.metadata, now - o.serveLogMs) : 0,
    events: o.eventLogMs > 0 ? await deps.events.trim(ENGAGEMENT_TOPIC, now - o.eventLogMs) : 0,
  };
}

/** Retention as a background service: a pass at start, then every RETENTION_SWEEP_S. */
export const logRetentionService: BackgroundService = {
  name: 'log-retention',
  async start(deps) {
    const { SERVE_LOG_RETENTION_S, EVENT_LOG_RETENTION_S, RETENTION_SWEEP_S } = deps.config;
    const log = deps.telemetry.component('log-retention');
    const deleted = deps.telemetry.counter({
      name: 'foryou_log_retention_deleted_total',
      help: 'Served items and engagement events deleted by retention',
      labelNames: ['log'],
    });
    let running: Promise<unknown> = Promise.resolve();
    const pass = () => {
      running = running
        .then(() =>
          applyRetention(deps, deps.clock.now(), {
            serveLogMs: SERVE_LOG_RETENTION_S * 1000,
            eventLogMs: EVENT_LOG_RETENTION_S * 1000,
          }),
        )
        .then((r) => {
          deleted.inc({ log: 'served_items' }, r.servedItems);
          deleted.inc({ log: 'events' }, r.events);
        })
        .catch((err) => log.failed(err, 'retention pass failed (a backend outage?); the next tick tries again'));
    };
    if (SERVE_LOG_RETENTION_S === 0 && EVENT_LOG_RETENTION_S === 0) return { stop: async () => {} };
    pass();
    const timer = setInterval(pass, RETENTION_SWEEP_S * 1000);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  },
};
