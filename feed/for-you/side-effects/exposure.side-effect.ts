import type { Cache } from '../../../core/cache/ports.ts';
import { AUTHOR_EXPOSURE_TTL_MS, exposureKeys, VIDEO_EXPOSURE_TTL_MS } from '../exposure.ts';
import type { SideEffect } from '../types.ts';

/**
 * Counts each served video and creator (fresh-upload budget, creator cap) in one cache call (one Redis
 * command for the page's ~20 counters); off the response path.
 */
export function exposureSideEffect(cache: Cache): SideEffect {
  return {
    id: 'exposure',
    blocking: false,
    async run(query, page) {
      const authors = new Map<string, number>();
      for (const c of page) authors.set(c.video.authorId, (authors.get(c.video.authorId) ?? 0) + 1);
      await cache.incrByMany([
        ...page.map((c) => ({ key: exposureKeys.video(c.video.id), by: 1, ttlMs: VIDEO_EXPOSURE_TTL_MS })),
        ...[...authors].map(([a, n]) => ({
          key: exposureKeys.authorHour(a, query.nowMs),
          by: n,
          ttlMs: AUTHOR_EXPOSURE_TTL_MS,
        })),
      ]);
    },
  };
}
