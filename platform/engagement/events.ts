import { z } from 'zod';
import { ENGAGEMENT_TYPES, type PlatformEngagementEvent } from '../../feature-store/signals.ts';

/** The one topic every engagement and client event goes to, keyed by the actor so per-user order holds. */
export const ENGAGEMENT_TOPIC = 'engagement';

/** The consumer groups that read the engagement topic (their lag is exported at /metrics). */
export const ENGAGEMENT_GROUPS = { views: 'engagement-views', features: 'engagement-features' } as const;

/** Client-reported playback and feed events (POST /events). */
export const CLIENT_EVENT_TYPES = [
  'impression',
  'play_start',
  'progress',
  'complete',
  'skip',
  'not_interested',
] as const;
/** Events the API itself emits when it records an engagement. */
export const SERVER_EVENT_TYPES = [
  'like',
  'unlike',
  'comment',
  'comment_delete',
  'share',
  'follow',
  'unfollow',
  'block',
  'unblock',
] as const;

export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];
export type ServerEventType = (typeof SERVER_EVENT_TYPES)[number];
export type EngagementEventType = ClientEventType | ServerEventType;

const id = z.string().min(1).max(200);
const ms = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The value of every event on the `engagement` topic, as consumers parse it. `id` is unique per
 * engagement (consumers deduplicate on it); `actor` is `u:<userId>` or `d:<deviceId>`.
 */
export const engagementEventSchema = z.object({
  v: z.literal(1),
  id,
  type: z.enum([...CLIENT_EVENT_TYPES, ...SERVER_EVENT_TYPES]),
  actor: z.string().regex(/^[ud]:.{1,200}$/),
  userId: id.optional(),
  videoId: id.optional(),
  authorId: id.optional(),
  targetUserId: id.optional(),
  ts: ms,
  watchMs: ms.optional(),
  durationMs: ms.optional(),
  requestId: z.string().max(200).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  channel: z.string().max(40).optional(),
  commentId: id.optional(),
});

/** A parsed engagement event. */
export type EngagementEvent = z.infer<typeof engagementEventSchema>;

/** The actor key of a signed-in user or an anonymous device. */
export function actorKey(who: { userId?: string; deviceId?: string }): string {
  if (who.userId) return `u:${who.userId}`;
  if (who.deviceId) return `d:${who.deviceId}`;
  throw new TypeError('actorKey: a user id or a device id is required');
}

/** Log event types the training loader understands: its own list, so the two cannot drift. */
const TRAINING_TYPES = new Set<string>(ENGAGEMENT_TYPES);

/**
 * The training loader's view of a logged engagement, or undefined for events it does not use (undos,
 * follows without a video). The user is the actor key, so anonymous devices train as their own users.
 */
export function toPlatformEvent(e: EngagementEvent): PlatformEngagementEvent | undefined {
  if (!TRAINING_TYPES.has(e.type) || e.videoId === undefined) return undefined;
  return {
    type: e.type as PlatformEngagementEvent['type'],
    userId: e.actor,
    videoId: e.videoId,
    timeMs: e.ts,
    ...(e.watchMs !== undefined ? { watchMs: e.watchMs } : {}),
    ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
  };
}
