import { newId } from '../../core/ids.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey } from './events.ts';
import { visibleVideo } from './lookups.ts';
import { recordAndAppend } from './record.ts';

/** Where a video was shared to. */
export const SHARE_CHANNELS = ['copy_link', 'whatsapp', 'instagram', 'sms', 'other'] as const;
export type ShareChannel = (typeof SHARE_CHANNELS)[number];

/** Shares: every share is a record (no dedup: sharing twice is two shares). */
export function sharesService(deps: EngagementDeps) {
  return {
    /** Records a share of a visible video and returns the new share count. */
    async share(userId: string, videoId: string, channel: ShareChannel): Promise<{ id: string; share_count: number }> {
      const video = await visibleVideo(deps.metadata, videoId, userId);
      const now = deps.clock.now();
      const id = newId(now);
      const staged = await recordAndAppend(deps, async (tx) => {
        await tx.run('INSERT INTO shares (id, user_id, video_id, channel, created_at) VALUES ($1, $2, $3, $4, $5)', [
          id,
          userId,
          videoId,
          channel,
          now,
        ]);
        const event = {
          v: 1 as const,
          id,
          type: 'share' as const,
          actor: actorKey({ userId }),
          userId,
          videoId,
          authorId: video.authorId,
          channel,
          ts: now,
        };
        return { result: await deps.counters.stage(tx, new Map([[videoId, { shares: 1 }]])), events: [event] };
      });
      await deps.counters.applyStaged(staged);
      const counts = (await deps.counters.get([videoId])).get(videoId)!;
      return { id, share_count: counts.shares };
    },
  };
}

/** The shares service's type. */
export type SharesService = ReturnType<typeof sharesService>;
