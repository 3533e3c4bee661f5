import type { Cache } from '../../../core/cache/ports.ts';
import type { SideEffect } from '../types.ts';

/** The Cache set of ids a feed session has served. */
export const sessionKey = (sessionId: string) => `feed:sess:${sessionId}`;

/** Records the page's ids in the session set before answering, so the next page cannot repeat them. */
export function sessionSeenSideEffect(cache: Cache, ttlMs: () => number): SideEffect {
  return {
    id: 'session_seen',
    blocking: true,
    async run(query, page) {
      if (page.length > 0)
        await cache.sAdd(
          sessionKey(query.sessionId),
          page.map((c) => c.video.id),
          ttlMs(),
        );
    },
  };
}
