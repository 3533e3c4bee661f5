import type { Cache } from '../../../core/cache/ports.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import { toFeatureVideo } from '../../../feature-store/definitions.ts';
import type { FeatureStore, FeatureStoreEvent } from '../../../feature-store/ports.ts';
import { TRENDING_KEEP, TRENDING_KEY, trendingScore } from '../../../feature-store/trending.ts';
import { ENGAGEMENT_GROUPS } from '../events.ts';
import { type VideoRef, videosById } from '../lookups.ts';
import type { EngagementConsumer, ParsedEvent, Rejected } from './runner.ts';

/** Maps a parsed log event to a feature-store event (the video's attributes come from the metadata store). */
export function toFeatureEvent(item: ParsedEvent, video: VideoRef | undefined): FeatureStoreEvent {
  const e = item.event;
  return {
    id: e.id,
    type: e.type,
    user: e.actor,
    ...(video ? { video: toFeatureVideo(video) } : {}),
    ...(e.targetUserId ? { targetUser: e.targetUserId } : {}),
    timeMs: e.ts,
    ...(e.watchMs !== undefined ? { watchMs: e.watchMs } : {}),
    ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
  };
}

/**
 * Folds every engagement into the feature store (idempotent by event id there) and refreshes the
 * trending set for the videos a batch touched. Events naming an unknown video are refused.
 */
export function featuresConsumer(deps: {
  metadata: MetadataStore;
  cache: Cache;
  featureStore: FeatureStore;
}): EngagementConsumer {
  return {
    group: ENGAGEMENT_GROUPS.features,
    async apply(items) {
      const videos = await videosById(
        deps.metadata,
        items.flatMap((i) => (i.event.videoId ? [i.event.videoId] : [])),
      );
      const rejected: Rejected[] = [];
      const events: FeatureStoreEvent[] = [];
      for (const item of items) {
        const id = item.event.videoId;
        const video = id === undefined ? undefined : videos.get(id);
        if (id !== undefined && !video)
          rejected.push({ logged: item.logged, kind: 'unknown_video', reason: `unknown video ${id}` });
        else events.push(toFeatureEvent(item, video));
      }
      if (events.length === 0) return rejected;
      const { ids } = await deps.featureStore.applyEvents(events);
      const fresh = new Set(ids);
      // Each video is scored at its own latest newly applied event, so the set does not depend on how the
      // log was batched or redelivered.
      const lastSeen = new Map<string, number>();
      for (const e of events)
        if (e.video && fresh.has(e.id)) lastSeen.set(e.video.id, Math.max(lastSeen.get(e.video.id) ?? 0, e.timeMs));
      // One stats read per distinct time (a batch's events mostly share the server clock's millisecond).
      const byTime = new Map<number, string[]>();
      for (const [videoId, at] of lastSeen) byTime.set(at, [...(byTime.get(at) ?? []), videoId]);
      const scored = (
        await Promise.all(
          [...byTime].map(async ([at, ids]) =>
            [...(await deps.featureStore.videoStats(ids, at))].map(([member, s]) => ({
              member,
              velocity: s.velocity,
              score: trendingScore(s.velocity, at),
            })),
          ),
        )
      ).flat();
      const entries = scored.filter((e) => e.velocity > 0).map(({ member, score }) => ({ member, score }));
      if (entries.length > 0) {
        await deps.cache.zAdd(TRENDING_KEY, entries);
        await deps.cache.zTrimTop(TRENDING_KEY, TRENDING_KEEP);
      }
      return rejected;
    },
  };
}
