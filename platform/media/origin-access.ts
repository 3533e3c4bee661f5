import type { Clock } from '../../core/clock.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { type AccessVideo, canView, NO_RELATION, needsRelation, type Relation } from '../../domain/access.ts';
import { relationTo } from '../../domain/repos/relation.ts';

/** How long the origin trusts a viewer–author relation it read, when none is configured. */
export const DEFAULT_MEDIA_ACCESS_CACHE_MS = 2000;

/** Relations kept at most; the oldest entries go first when it is full. */
const MAX_ENTRIES = 50_000;

/**
 * The origin's revocation check: whether the viewer a playback token was issued to may still see the
 * video, by the one rule (`canView`). The video row is the caller's fresh read (privacy edits and
 * deletions take effect at once); the viewer's relation to the author (follows, blocks) is read from
 * the repositories at most once per `ttlMs` per (viewer, author, privacy, account privacy), so a player fetching a
 * segment every 2 s costs a map lookup, and an unfollow, a block or a denied follow stops playback within
 * `ttlMs`; an account turning private closes its public media at once (the row is read fresh).
 * @remarks Per process: each API replica keeps its own entries, all bounded by the same `ttlMs`.
 */
export function originAccess(deps: { metadata: SqlExecutor; clock: Clock; ttlMs: number }) {
  const cache = new Map<string, { at: number; relation: Relation }>();

  async function relation(viewerId: string, video: AccessVideo): Promise<Relation> {
    const key = `${viewerId}:${video.authorId}:${video.privacy}:${video.authorPrivate}`;
    const now = deps.clock.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < deps.ttlMs && now >= hit.at) return hit.relation;
    const fresh = await relationTo(deps.metadata, viewerId, video);
    if (deps.ttlMs > 0) {
      cache.delete(key);
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, { at: now, relation: fresh });
    }
    return fresh;
  }

  return {
    /** Whether `viewerId` (from a verified token) may play `video` now, within the cache's bound. */
    async mayPlay(viewerId: string, video: AccessVideo): Promise<boolean> {
      return canView(viewerId, video, needsRelation(viewerId, video) ? await relation(viewerId, video) : NO_RELATION);
    },
  };
}

/** The origin access check's type. */
export type OriginAccess = ReturnType<typeof originAccess>;
