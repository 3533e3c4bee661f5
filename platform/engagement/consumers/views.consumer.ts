import type { Cache } from '../../../core/cache/ports.ts';
import type { Clock } from '../../../core/clock.ts';
import type { MetadataStore, SqlExecutor } from '../../../core/metadata/ports.ts';
import { valuesList } from '../../../core/metadata/sql.ts';
import { countsAsView } from '../../../feature-store/signals.ts';
import type { VideoCounters } from '../counters.ts';
import { ENGAGEMENT_GROUPS, type EngagementEvent } from '../events.ts';
import { type VideoRef, videosById } from '../lookups.ts';
import { applyOne, type EngagementConsumer, type ParsedEvent, type Rejected } from './runner.ts';

const HOUR_MS = 3600_000;

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
  // A probe: a failing ping means a backend is down (the caller rethrows), not a failure to hide.
  const healthy = async () => {
    try {
      await deps.metadata.ping();
      await deps.cache.ping();
      return true;
    } catch {
      return false;
    }
  };
  /**
   * Writes the records of some work items in one transaction, or one statement when they are all views
   * (one multi-row INSERT per table, so a batch costs a round trip or two, not one per event), then counts
   * and marks what was new.
   */
  async function record(work: readonly Work[]): Promise<void> {
    const notInterested = work.filter((w) => w.marker === undefined);
    const views = work.filter((w) => w.marker !== undefined);
    const viewKey = (actor: string, videoId: string, hour: number) => `${actor}\u0000${videoId}\u0000${hour}`;
    const byKey = new Map(views.map((w) => [viewKey(w.e.actor, w.video.id, hourOf(w.e.ts)), w]));
    let fresh: Work[] = [];
    const write = async (tx: SqlExecutor) => {
      fresh = []; // a PostgreSQL serialization retry runs this again
      if (notInterested.length > 0) {
        await tx.run(
          `INSERT INTO not_interested (user_id, video_id, author_id, created_at) VALUES ${valuesList(notInterested.length, 4)}
           ON CONFLICT DO NOTHING`,
          notInterested.flatMap(({ e, video }) => [e.userId ?? e.actor, video.id, video.authorId, e.ts]),
        );
      }
      if (views.length === 0) return;
      const inserted = await tx.all<{ user_key: string; video_id: string; hour_bucket: number }>(
        `INSERT INTO views (user_key, video_id, hour_bucket, watch_ms, created_at) VALUES ${valuesList(views.length, 5)}
         ON CONFLICT DO NOTHING RETURNING user_key, video_id, hour_bucket`,
        views.flatMap(({ e, video }) => [e.actor, video.id, hourOf(e.ts), e.watchMs ?? video.durationMs ?? 0, e.ts]),
      );
      for (const r of inserted) fresh.push(byKey.get(viewKey(r.user_key, r.video_id, Number(r.hour_bucket)))!);
    };
    // One statement is atomic on its own: views alone skip the transaction's BEGIN and COMMIT round trips.
    if (notInterested.length === 0) await write(deps.metadata);
    else await deps.metadata.transaction(write);
    const perVideo = new Map<string, number>();
    for (const w of fresh) perVideo.set(w.video.id, (perVideo.get(w.video.id) ?? 0) + 1);
    await deps.counters.incrementMany(new Map([...perVideo].map(([videoId, n]) => [videoId, { views: n }])));
    // Set only after the rows exist, so a crash before this point can never lose a view; one command for all.
    await deps.cache.setMany(
      work.flatMap((w) => (w.marker ? [{ key: w.marker, value: '1', ttlMs: 2 * HOUR_MS }] : [])),
    );
  }

  return {
    group: ENGAGEMENT_GROUPS.views,
    async apply(items) {
      const relevant = items.filter((i) => i.event.videoId !== undefined && isClientEvent(i.event.type));
      const videos = await videosById(
        deps.metadata,
        relevant.map((i) => i.event.videoId!),
      );
      const rejected: Rejected[] = [];
      const candidates: Work[] = [];
      const seen = new Set<string>();
      for (const item of relevant) {
        const e = item.event;
        const video = videos.get(e.videoId!);
        if (!video) {
          rejected.push({ logged: item.logged, kind: 'unknown_video', reason: `unknown video ${e.videoId}` });
        } else if (e.type === 'not_interested') {
          candidates.push({ item, e, video });
        } else if (countsAsView(e.type, e.watchMs, e.durationMs ?? video.durationMs)) {
          const marker = `view:${e.actor}:${video.id}:${hourOf(e.ts)}`;
          if (!seen.has(marker)) candidates.push({ item, e, video, marker });
          seen.add(marker);
        }
      }
      const markers = candidates.flatMap((w) => (w.marker ? [w.marker] : []));
      const marked = new Set<string>();
      const values = markers.length > 0 ? await deps.cache.mget(markers) : [];
      markers.forEach((m, i) => {
        if (values[i] !== undefined) marked.add(m);
      });
      const work = candidates.filter((w) => w.marker === undefined || !marked.has(w.marker));
      if (work.length === 0) return rejected;
      try {
        await record(work);
      } catch (err) {
        if (!(await healthy())) throw err;
        // Something in the batch is poison: redo it one by one so only the culprit is refused.
        for (const w of work) {
          const r = await applyOne(w.item, () => record([w]), healthy);
          if (r) rejected.push(r);
        }
      }
      return rejected;
    },
  };
}

/** One event's pending view or not-interested record; no marker means not_interested. */
interface Work {
  item: ParsedEvent;
  e: EngagementEvent;
  video: VideoRef;
  marker?: string;
}

/** The clock hour a view is deduplicated in. */
const hourOf = (ts: number) => Math.floor(ts / HOUR_MS);

function isClientEvent(type: string): boolean {
  return (
    type === 'play_start' || type === 'progress' || type === 'complete' || type === 'skip' || type === 'not_interested'
  );
}
