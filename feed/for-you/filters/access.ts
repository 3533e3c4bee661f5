import { type Access, videoAccess } from '../../../domain/access.ts';
import type { Candidate, FeedQuery } from '../types.ts';

/**
 * `videoAccess` for a candidate, with the relation read from the hydrated viewer (follows, mutual
 * follows, blocks either way) and the live privacy and account privacy when hydrated, else the catalogue's. Status is left to the
 * not-ready filter, so each safety filter removes for one reason.
 */
export function candidateAccess(query: FeedQuery, c: Candidate): Access {
  const author = c.video.authorId;
  return videoAccess(
    query.userId,
    {
      authorId: author,
      privacy: c.live?.privacy ?? c.video.privacy,
      authorPrivate: c.live?.authorPrivate ?? c.video.authorPrivate ?? false,
    },
    {
      follows: query.viewer.following.has(author),
      mutual: query.viewer.friends.has(author),
      blocked: query.viewer.blockedAuthors.has(author),
    },
  );
}
