import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey, CLIENT_EVENT_TYPES, type EngagementEvent } from './events.ts';
import { appendEngagement } from './record.ts';

/** Most events one POST /events may carry. */
export const MAX_CLIENT_EVENTS = 100;
/** How long a client event id is remembered for deduplication (a day covers offline retries). */
export const CLIENT_EVENT_DEDUP_TTL_MS = 24 * 3600_000;

const ms = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const clientId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'use 1-100 of [A-Za-z0-9_.:-]');

/** One client event as the app sends it. */
export const clientEventSchema = z.strictObject({
  client_event_id: clientId,
  type: z.enum(CLIENT_EVENT_TYPES),
  video_id: z.string().min(1).max(100),
  watch_ms: ms.max(24 * 3600_000).optional(),
  duration_ms: ms.max(24 * 3600_000).optional(),
  ts: ms.optional(),
  request_id: z.string().min(1).max(200).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
});
export type ClientEvent = z.infer<typeof clientEventSchema>;

/** The body of POST /events. */
export const clientEventBatchSchema = z.strictObject({
  events: z.array(clientEventSchema).min(1).max(MAX_CLIENT_EVENTS),
});

/** A device id as sent in X-Device-Id. */
export const deviceIdSchema = clientId;

/** How many events of a batch were new and how many were repeats of an earlier id. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/**
 * Client events: deduplicated per actor by client event id (Cache setIfAbsent with a TTL) and
 * appended to the log; the 2xx comes only after the append is durable. Video ids are not looked up
 * here: a batch is not rejected for one deleted video, the consumers dead-letter such events.
 */
export function clientEventsService(deps: Pick<EngagementDeps, 'events' | 'cache' | 'clock'>) {
  return {
    /** Ingests a validated batch for a signed-in user or an anonymous device. */
    async ingest(who: { userId?: string; deviceId?: string }, batch: readonly ClientEvent[]): Promise<IngestResult> {
      if (!who.userId && !who.deviceId) {
        throw new AppError('VALIDATION_FAILED', 'Send a bearer token or an X-Device-Id header.');
      }
      const actor = actorKey(who);
      const now = deps.clock.now();
      const firstOf = new Map<string, ClientEvent>();
      for (const e of batch) if (!firstOf.has(e.client_event_id)) firstOf.set(e.client_event_id, e);
      const unique = [...firstOf.values()];
      const markerOf = (e: ClientEvent) => `ce:${actor}:${e.client_event_id}`;
      const won = await Promise.all(
        unique.map((e) => deps.cache.setIfAbsent(markerOf(e), '1', CLIENT_EVENT_DEDUP_TTL_MS)),
      );
      const accepted = unique.filter((_, i) => won[i]);
      const markers = accepted.map(markerOf);
      const fresh: EngagementEvent[] = accepted.map((e) => ({
        v: 1,
        id: `${actor}:${e.client_event_id}`,
        type: e.type,
        actor,
        ...(who.userId ? { userId: who.userId } : {}),
        videoId: e.video_id,
        // The server's clock orders events; a client clock can be skewed or forged.
        ts: now,
        ...(e.watch_ms !== undefined ? { watchMs: e.watch_ms } : {}),
        ...(e.duration_ms !== undefined ? { durationMs: e.duration_ms } : {}),
        ...(e.request_id !== undefined ? { requestId: e.request_id } : {}),
        ...(e.position !== undefined ? { position: e.position } : {}),
      }));
      if (fresh.length > 0) {
        try {
          await appendEngagement(deps.events, fresh);
        } catch (err) {
          // Forget the markers so the client's retry of this batch is not dropped as a duplicate.
          await Promise.allSettled(markers.map((m) => deps.cache.del(m)));
          throw err;
        }
      }
      return { accepted: fresh.length, duplicates: batch.length - fresh.length };
    },
  };
}

/** The client events service's type. */
export type ClientEventsService = ReturnType<typeof clientEventsService>;
