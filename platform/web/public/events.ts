// Client playback events, batched to POST /api/v1/events through the typed client (which retries a
// 503 or 429 itself). Each event carries its own client_event_id so a retried batch is counted once by
// the server. The queue stays here rather than in the client's EventBatcher: a page keeps a failed batch
// for later and sends its last one with keepalive when it goes away.
import type { Operations } from '../../client/index.ts';
import { ApiError, call } from './api.ts';

/** One client event as the API takes it. */
export type ClientEvent = Operations['POST /api/v1/events']['body']['events'][number];

/** The event types the server accepts from clients. */
export type EventType = ClientEvent['type'];

const MAX_BATCH = 100;
const FLUSH_AT = 20;
const FLUSH_EVERY_MS = 4000;
// A device offline for long must not grow the queue without bound: oldest events go first.
const MAX_QUEUED = 500;

/**
 * Queues events and sends them in batches: every few seconds, when 20 are waiting, and when the page
 * is hidden (with keepalive, so the request survives the tab closing). Network, 5xx, 429 and 401 (the
 * session expired: the retry goes out with the device id) keep the events for the next flush; any other
 * 4xx drops the batch, as resending it would fail the same way.
 */
export class EventBatcher {
  private queue: ClientEvent[] = [];
  private inFlight = false;
  private timer: ReturnType<typeof setInterval>;
  /** Counts for the debug overlay. */
  sent = 0;
  failed = 0;

  constructor() {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    const final = () => void this.flush(true);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') final();
    });
    window.addEventListener('pagehide', final);
  }

  /** Queues one event; fields left out stay out of the JSON. */
  track(
    type: EventType,
    videoId: string,
    extra: { watchMs?: number; durationMs?: number; requestId?: string | null; position?: number } = {},
  ): void {
    const e: ClientEvent = { client_event_id: crypto.randomUUID(), type, video_id: videoId, ts: Date.now() };
    if (extra.watchMs !== undefined) e.watch_ms = Math.max(0, Math.round(extra.watchMs));
    if (extra.durationMs !== undefined && Number.isFinite(extra.durationMs)) {
      e.duration_ms = Math.max(0, Math.round(extra.durationMs));
    }
    if (extra.requestId) e.request_id = extra.requestId;
    if (extra.position !== undefined) e.position = extra.position;
    this.queue.push(e);
    if (this.queue.length > MAX_QUEUED) this.queue.splice(0, this.queue.length - MAX_QUEUED);
    if (this.queue.length >= FLUSH_AT) void this.flush();
  }

  /** Sends what is queued now; `final` uses keepalive for a page that is going away. */
  async flush(final = false): Promise<void> {
    if (this.queue.length === 0 || (this.inFlight && !final)) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    this.inFlight = true;
    try {
      await call('POST /api/v1/events', { body: { events: batch }, keepalive: final });
      this.sent += batch.length;
    } catch (err) {
      this.failed += batch.length;
      const retryable = !(err instanceof ApiError) || err.status >= 500 || err.status === 429 || err.status === 401;
      if (retryable) this.queue.unshift(...batch);
      else console.warn('events dropped', err);
    } finally {
      this.inFlight = false;
    }
  }

  /** Stops the timer (the page is being torn down). */
  stop(): void {
    clearInterval(this.timer);
  }
}
