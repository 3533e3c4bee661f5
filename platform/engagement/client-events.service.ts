import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import { VIEW_WINDOW_MS } from '../../feature-store/signals.ts';
import type { EngagementDeps } from './deps.ts';
import {
  chargeWatch,
  clampWatchToDuration,
  isFromTheFuture,
  opensView,
  type ViewWatchEvent,
  WATCH_BUDGET_MS,
  WATCH_BUDGET_WINDOW_MS,
  watchIncreases,
} from './event-guards.ts';
import { actorKey, CLIENT_EVENT_TYPES, type EngagementEvent } from './events.ts';
import { type VideoRef, visibleVideos } from './lookups.ts';
import { appendEngagement } from './record.ts';

/** Most events one POST /events may carry. */
export const MAX_CLIENT_EVENTS = 100;
/** How long a client event id is remembered for deduplication (a day covers offline retries). */
export const CLIENT_EVENT_DEDUP_TTL_MS = 24 * 3600_000;

const ms = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const clientId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'use 1-100 of [A-Za-z0-9_.:-]');

/** What each client event type means, as the OpenAPI document tells a client. */
export const CLIENT_EVENT_MEANINGS: Record<(typeof CLIENT_EVENT_TYPES)[number], string> = {
  impression: 'the video was on screen (shown in the feed); no watch_ms',
  play_start: 'playback of the video began in this view',
  progress:
    'a heartbeat while playing (the web client sends one every 10 s of playback and one when the viewer leaves) with watch_ms so far',
  complete: 'the video played to its end for the first time in this view, with watch_ms at that moment',
  skip: 'the viewer left the video before its end, with watch_ms at that moment (how much of a skip it was)',
  not_interested: 'the viewer asked to see less like this video; it is left out of their feed',
};

/** One client event as the app sends it. */
export const clientEventSchema = z
  .strictObject({
    client_event_id: clientId.describe(
      'Unique per event, chosen by the client; a retried batch with the same ids is counted once (ids are remembered for a day).',
    ),
    type: z.enum(CLIENT_EVENT_TYPES).describe(
      `What happened. ${Object.entries(CLIENT_EVENT_MEANINGS)
        .map(([t, m]) => `${t}: ${m}`)
        .join('; ')}. A view is an impression and everything the same viewer did with that video afterwards.`,
    ),
    video_id: z.string().min(1).max(100).describe('The video the event is about.'),
    watch_ms: ms
      .max(24 * 3600_000)
      .optional()
      .describe(
        'CUMULATIVE milliseconds watched in this view so far (since its play_start, loops included), not the time since the previous event: each progress, complete or skip of a view repeats the running total, so resending or adding events never counts time twice. Clamped to the video duration; the increase of each view total counts against a budget of 2x the wall clock per actor per hour.',
      ),
    duration_ms: ms
      .max(24 * 3600_000)
      .optional()
      .describe('The video length as the player knows it; used only while the server does not know it yet.'),
    ts: ms
      .optional()
      .describe(
        'When it happened on the client, epoch ms; an event more than 5 min ahead is dropped. The server stamps and orders events by their arrival.',
      ),
    request_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The feed response `request_id` the video was served in, so the event joins the serve log.'),
    position: z.number().int().min(0).max(10_000).optional().describe("The item's position in that feed response."),
  })
  .describe('One playback event of one view.');
export type ClientEvent = z.infer<typeof clientEventSchema>;

/** The body of POST /events. */
export const clientEventBatchSchema = z.strictObject({
  events: z.array(clientEventSchema).min(1).max(MAX_CLIENT_EVENTS),
});

/** A device id as sent in X-Device-Id. */
export const deviceIdSchema = clientId;

/** How many events of a batch were new, repeats of an earlier id, or dropped as implausible. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** For a video the actor cannot see, a timestamp from the future, or an anonymous device over its address's budget. */
  dropped: number;
}

/** Limits on anonymous devices: made-up device ids must not mint views. */
export interface AnonymousDeviceLimits {
  /** New device ids whose events count, per client address per window; later ones are dropped. */
  devicesPerAddress: number;
  windowMs: number;
}

const DEFAULT_ANON_LIMITS: AnonymousDeviceLimits = { devicesPerAddress: 20, windowMs: 3_600_000 };

/**
 * Client events: deduplicated per actor by client event id (Cache setIfAbsent with a TTL) and
 * appended to the log; the 2xx comes only after the append is durable. Events that could fake views
 * or watch time never reach the log, so they move no counter and no feature: those for a video the
 * actor cannot see (the engagement visibility rule), those stamped in the future, and those of an
 * anonymous device beyond its address's budget. Watch time is clamped to one play of the video and to
 * what the wall clock allows per actor. A batch is not rejected for one such event; it is counted as dropped.
 */
export function clientEventsService(
  deps: Pick<EngagementDeps, 'events' | 'cache' | 'clock' | 'metadata'>,
  anonLimits: AnonymousDeviceLimits = DEFAULT_ANON_LIMITS,
) {
  /** False when this anonymous device is one more than its address may introduce in this window. */
  async function deviceCounts(deviceId: string, address: string): Promise<boolean> {
    const window = Math.floor(deps.clock.now() / anonLimits.windowMs);
    const ttl = anonLimits.windowMs + 60_000;
    const seen = `anon:dev:${address}:${window}:${deviceId}`;
    if (await deps.cache.setIfAbsent(seen, 'pending', ttl)) {
      const n = await deps.cache.incrBy(`anon:n:${address}:${window}`, 1, ttl);
      const verdict = n <= anonLimits.devicesPerAddress ? 'ok' : 'over';
      await deps.cache.set(seen, verdict, ttl);
      return verdict === 'ok';
    }
    return (await deps.cache.get(seen)) !== 'over';
  }

  return {
    /** Ingests a validated batch for a signed-in user or an anonymous device sending from `address`. */
    async ingest(
      who: { userId?: string; deviceId?: string },
      batch: readonly ClientEvent[],
      address?: string,
    ): Promise<IngestResult> {
      if (!who.userId && !who.deviceId) {
        throw new AppError('VALIDATION_FAILED', 'Send a bearer token or an X-Device-Id header.');
      }
      const actor = actorKey(who);
      const now = deps.clock.now();
      const firstOf = new Map<string, ClientEvent>();
      for (const e of batch) if (!firstOf.has(e.client_event_id)) firstOf.set(e.client_event_id, e);
      // Without an address (internal callers, not HTTP) there is nothing to budget by. The budget and the
      // videos are independent reads, so the request waits for one round trip, not two.
      const [counts, videos] = await Promise.all([
        !who.userId && who.deviceId && address !== undefined ? deviceCounts(who.deviceId, address) : true,
        visibleVideos(
          deps.metadata,
          [...firstOf.values()].map((e) => e.video_id),
          who.userId,
        ),
      ]);
      if (!counts) return { accepted: 0, duplicates: 0, dropped: batch.length };
      const plausible = [...firstOf.values()].filter((e) => videos.has(e.video_id) && !isFromTheFuture(e.ts, now));
      const dropped = firstOf.size - plausible.length;
      const markerOf = (e: ClientEvent) => `ce:${actor}:${e.client_event_id}`;
      // The views' watch states are read beside the claim of the markers (for every plausible event; only
      // the accepted ones' are used).
      const [won, states] = await Promise.all([
        deps.cache.setManyIfAbsent(plausible.map(markerOf), '1', CLIENT_EVENT_DEDUP_TTL_MS),
        viewStates(plausible, actor),
      ]);
      const accepted = plausible.filter((_, i) => won[i]);
      const markers = accepted.map(markerOf);
      const { watch: watchOf, saved } = await clampedWatch(accepted, videos, actor, now, states);
      const fresh: EngagementEvent[] = accepted.map((e, i) => ({
        v: 1,
        id: `${actor}:${e.client_event_id}`,
        type: e.type,
        actor,
        ...(who.userId ? { userId: who.userId } : {}),
        videoId: e.video_id,
        // The server's clock orders events; a client clock can be skewed or forged.
        ts: now,
        ...(watchOf[i] !== undefined ? { watchMs: watchOf[i] } : {}),
        // The video's own length; a client's claim is not trusted.
        ...durationOf(e, videos.get(e.video_id)),
        ...(e.request_id !== undefined ? { requestId: e.request_id } : {}),
        ...(e.position !== undefined ? { position: e.position } : {}),
      }));
      // The views' new watch states are written while the events are appended: neither waits for the other.
      const [appended, written] = await Promise.allSettled([
        fresh.length > 0 ? appendEngagement(deps.events, fresh) : undefined,
        saved,
      ]);
      if (appended.status === 'rejected') {
        // Forget the markers so the client's retry of this batch is not dropped as a duplicate.
        await Promise.allSettled(markers.map((m) => deps.cache.del(m)));
        throw appended.reason;
      }
      if (written.status === 'rejected') throw written.reason;
      return { accepted: fresh.length, duplicates: batch.length - fresh.length - dropped, dropped };
    },
  };

  /** The key of an actor's view of a video, holding its watch state. */
  function viewKey(actor: string, videoId: string): string {
    return `wv:${actor}:${videoId}`;
  }

  /** Views with watch time or opened again among `events` (an impression alone still restarts its view). */
  function watchedViews(events: readonly { view: string; type: string; watchMs?: number }[]): string[] {
    return [...new Set(events.filter((v) => v.watchMs !== undefined || opensView(v.type)).map((v) => v.view))];
  }

  /** The stored watch states of the views `events` may touch, in one read. */
  async function viewStates(events: readonly ClientEvent[], actor: string): Promise<Map<string, string | undefined>> {
    const watched = watchedViews(
      events.map((e) => ({
        view: viewKey(actor, e.video_id),
        type: e.type,
        ...(e.watch_ms === undefined ? {} : { watchMs: e.watch_ms }),
      })),
    );
    const values = watched.length > 0 ? await deps.cache.mget(watched) : [];
    return new Map(watched.map((view, i) => [view, values[i]]));
  }

  /**
   * Each event's watch time clamped to one play and to the actor's wall-clock budget (in batch order),
   * and the write of the views' new states (`saved`, left to the caller to await). watch_ms is cumulative
   * per view, so the budget is charged only with each view's increase (the view's counted total is
   * remembered per actor and video, and a play_start restarts it), not with every repeat of the running
   * total. `states` holds the views' stored states (`viewStates` of these events or more).
   */
  async function clampedWatch(
    events: readonly ClientEvent[],
    videos: ReadonlyMap<string, VideoRef>,
    actor: string,
    now: number,
    states: ReadonlyMap<string, string | undefined>,
  ): Promise<{ watch: (number | undefined)[]; saved: Promise<void> }> {
    const budgetKey = `wt:${actor}:${Math.floor(now / WATCH_BUDGET_WINDOW_MS)}`;
    const views: ViewWatchEvent[] = events.map((e) => ({
      view: viewKey(actor, e.video_id),
      type: e.type,
      ...(e.watch_ms === undefined
        ? {}
        : { watchMs: clampWatchToDuration(e.watch_ms, videos.get(e.video_id)?.durationMs ?? null) }),
    }));
    const watched = watchedViews(views);
    if (watched.length === 0) return { watch: views.map(() => undefined), saved: Promise.resolve() };
    // A view's state is "start:counted"; like the feature store's views, it lasts VIEW_WINDOW_MS from its start.
    const prior = new Map<string, number>();
    const startOf = new Map<string, number>();
    watched.forEach((view) => {
      const [start, counted] = (states.get(view) ?? '').split(':').map(Number);
      if (Number.isFinite(start) && Number.isFinite(counted) && now - (start as number) <= VIEW_WINDOW_MS) {
        prior.set(view, counted as number);
        startOf.set(view, start as number);
      }
    });
    const increases = watchIncreases(views, prior);
    // One round trip for the batch: the window total after it, less the batch's share.
    const claimed = increases.reduce<number>((s, w) => s + (w ?? 0), 0);
    const totalBefore =
      claimed > 0 ? (await deps.cache.incrBy(budgetKey, claimed, WATCH_BUDGET_WINDOW_MS + 60_000)) - claimed : 0;
    const { watch, counted } = chargeWatch(views, prior, increases, totalBefore, WATCH_BUDGET_MS);
    const opened = new Set(views.filter((v) => opensView(v.type)).map((v) => v.view));
    const changed = [...counted].filter(([view, n]) =>
      prior.has(view) ? prior.get(view) !== n || opened.has(view) : n > 0,
    );
    const saved = deps.cache.setMany(
      changed.map(([view, n]) => {
        const start = opened.has(view) ? now : (startOf.get(view) ?? now);
        return { key: view, value: `${start}:${n}`, ttlMs: Math.max(1, start + VIEW_WINDOW_MS - now) };
      }),
    );
    return { watch, saved };
  }
}

function durationOf(e: ClientEvent, video: VideoRef | undefined): { durationMs?: number } {
  if (video?.durationMs != null) return { durationMs: video.durationMs };
  return e.duration_ms !== undefined ? { durationMs: e.duration_ms } : {};
}

/** The client events service's type. */
export type ClientEventsService = ReturnType<typeof clientEventsService>;
