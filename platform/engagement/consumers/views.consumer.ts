import type { Cache } from '../../../core/cache/ports.ts';
import type { Clock } from '../../../core/clock.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import type { VideoCounters } from '../counters.ts';
import { videosById } from '../lookups.ts';
import { type EngagementConsumer, type Rejected, applyOne } from './runner.ts';

/** A view counts once this much is watched… */
export const VIEW_MIN_WATCH_MS = 2_000;
/** …or this fraction of the video's duration, whichever comes first. */
export const VIEW_MIN_FRACTION = 0.5;
const HOUR_MS = 3600_000;

/** True when a playback event satisfies the view rule (≥ 2 s or ≥ 50 % of the duration). */
export function isQualifiedView(type: string, watchMs: number | undefined, durationMs: number | null | undefined) {
  if (type === 'complete') return true;
  if (type !== 'play_start' && type !== 'progress' && type !== 'skip') return false;
  if (watchMs === undefined) return false;
  if (watchMs >= VIEW_MIN_WATCH_MS) return true;
  return durationMs !== null && durationMs !== undefined && durationMs > 0 && watchMs >= durationMs * VIEW_MIN_FRACTION;
}

/**
 * Turns playback events into counted views and `not_interested` into its durable record.
 * A view counts at most once per (actor, video, clock hour): the `views` primary key dedups durably
 * (so redelivery is harmless) and a Cache marker skips the insert on the hot path.
 * Events for unknown videos are refused (dead-lettered).
 */
export function viewsConsumer(deps: {
  metadata: MetadataStore;
  cache: Cache;
  clock: Clock;
  counters: VideoCounters;
}): EngagementConsumer {
  const healthy = async () => {
    try {
      await deps.metadata.ping();
      await deps.cache.ping();
      return true;
    } catch {
      return false;
    }
  };
  return {
    group: 'engagement-views',
    async apply(items) {
      const relevant = items.filter((i) => i.event.videoId !== undefined && isClientEvent(i.event.type));
      const videos = await videosById(
        deps.metadata,
        relevant.map((i) => i.event.videoId!),
      );
      const rejected: Rejected[] = [];
      for (const item of relevant) {
        const e = item.event;
        const video = videos.get(e.videoId!);
        if (!video) {
          rejected.push({ logged: item.logged, reason: `unknown video ${e.videoId}` });
          continue;
        }
        const r = await applyOne(
          item,
          async () => {
            if (e.type === 'not_interested') {
              await deps.metadata.run(
                `INSERT INTO not_interested (user_id, video_id, author_id, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING`,
                [e.userId ?? e.actor, video.id, video.authorId, e.ts],
              );
              return;
            }
            if (!isQualifiedView(e.type, e.watchMs, e.durationMs ?? video.durationMs)) return;
            const hour = Math.floor(e.ts / HOUR_MS);
            const marker = `view:${e.actor}:${video.id}:${hour}`;
            if ((await deps.cache.get(marker)) !== undefined) return;
            const ins = await deps.metadata.run(
              `INSERT INTO views (user_key, video_id, hour_bucket, watch_ms, created_at) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT DO NOTHING`,
              [e.actor, video.id, hour, e.watchMs ?? video.durationMs ?? 0, e.ts],
            );
            if (ins.changes === 1) await deps.counters.add(video.id, { views: 1 });
            await deps.cache.set(marker, '1', 2 * HOUR_MS);
          },
          healthy,
        );
        if (r) rejected.push(r);
      }
      return rejected;
    },
  };
}

function isClientEvent(type: string): boolean {
  return type === 'play_start' || type === 'progress' || type === 'complete' || type === 'skip' || type === 'not_interested';
}
