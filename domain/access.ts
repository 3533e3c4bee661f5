/**
 * Who may see a video: the one rule behind the video API, the engagement look-ups (like, comment, share,
 * view), the feed's privacy and blocked filters and its fallback page. Pure: callers read the relation
 * between viewer and author (repositories, or the feed's hydrated viewer) and pass it in.
 *
 * - A video removed by a moderator (`moderation: 'removed'`) is hidden from everyone, its author included,
 *   everywhere at once: feeds, profiles, comments, direct links and its media at the origin.
 * - The author sees their own video in every other state and privacy.
 * - A block in either direction hides the author's videos from the other user, public ones included.
 * - Only the author follows an upload through processing or failure; others see `ready` videos only.
 * - A private account's videos (`authorPrivate`) are seen by the author's approved followers only, whatever
 *   the video's own privacy says; that narrows it, never widens it (a `private` video stays the author's).
 * - `public`: everyone, anonymous viewers too. `friends`: the author's mutual followers.
 *   `private`, or any privacy this code does not know: nobody else.
 */

/** The privacy levels an author can choose. */
export type Privacy = 'public' | 'private' | 'friends';

/** What the rule reads of a video. `status` and `deleted` are left out where a caller checks them itself. */
export interface AccessVideo {
  authorId: string;
  privacy: string;
  status?: string;
  deleted?: boolean;
  /** The moderation label (`none`, `held`, `limited`, `removed`); absent reads as `none`. */
  moderation?: string;
  /**
   * Whether the author's account is private (`users.private`, copied onto `videos.author_private`).
   * Required, so that no caller can forget it and show a private account's video to strangers.
   */
  authorPrivate: boolean;
}

/** A video's moderation label: what a moderator decided, or `held` while a case past the threshold waits. */
export type ModerationLabel = 'none' | 'held' | 'limited' | 'removed';

/**
 * Whether a video may be recommended (For You, trending): not `held` pending review, not `limited`, not
 * `removed`. Followers' feeds, profiles and direct links still show `held` and `limited` videos.
 */
export function recommendable(video: { moderation?: string }): boolean {
  return video.moderation === undefined || video.moderation === 'none';
}

/**
 * How a signed-in viewer and a video's author stand: whether the viewer follows the author (an approved
 * follow; a pending request is not one), mutual follows, and a block either way.
 */
export interface Relation {
  follows: boolean;
  mutual: boolean;
  blocked: boolean;
}

/** The relation of an anonymous viewer, of an author to themselves, or of strangers. */
export const NO_RELATION: Relation = Object.freeze({ follows: false, mutual: false, blocked: false });

/** Why a viewer may not see a video: a block between them, or the video's state or privacy. */
export type Access = 'visible' | 'blocked' | 'hidden';

/** The verdict with its reason, for callers that count blocks apart from privacy (the feed's filters). */
export function videoAccess(viewerId: string | undefined, video: AccessVideo, relation: Relation): Access {
  if (video.deleted || video.moderation === 'removed') return 'hidden';
  if (viewerId !== undefined && viewerId === video.authorId) return 'visible';
  if (relation.blocked) return 'blocked';
  if (video.status !== undefined && video.status !== 'ready') return 'hidden';
  if (video.authorPrivate && !relation.follows) return 'hidden';
  if (video.privacy === 'public') return 'visible';
  if (viewerId === undefined) return 'hidden';
  return video.privacy === 'friends' && relation.mutual ? 'visible' : 'hidden';
}

/** Whether `viewerId` (undefined: anonymous) may see `video`. */
export function canView(viewerId: string | undefined, video: AccessVideo, relation: Relation): boolean {
  return videoAccess(viewerId, video, relation) === 'visible';
}

/**
 * Whether a video's media may be served without knowing the viewer (no playback token, shared caches
 * allowed): exactly the videos anonymous viewers may see. Also the rule of public surfaces that list
 * without a viewer (trending hashtags, hashtag counts): a public video of a public account.
 */
export function openToAnyone(video: { privacy: string; moderation?: string; authorPrivate: boolean }): boolean {
  return video.privacy === 'public' && !video.authorPrivate && video.moderation !== 'removed';
}

/**
 * `openToAnyone` as a SQL condition over a `videos` row aliased `v`, for queries that count or rank
 * public videos without reading each row through the rule (trending and hashtag suggestions). Kept
 * beside the rule so that both change together; `access.test.ts` checks they agree.
 */
export const OPEN_TO_ANYONE_SQL = "v.privacy = 'public' AND v.author_private = 0 AND v.moderation <> 'removed'";

/**
 * Whether a private account's lists (liked videos, followers, following) are closed to this viewer: the
 * same audience as its videos, the owner and approved followers. A block is checked before, as a 404.
 */
export function accountListsClosed(
  viewerId: string | undefined,
  owner: { id: string; private: boolean },
  follows: boolean,
): boolean {
  return owner.private && viewerId !== owner.id && !follows;
}

/** Whether the relation matters for this viewer and video, so callers skip reading it when it cannot (anonymous, the author). */
export function needsRelation(viewerId: string | undefined, video: { authorId: string }): viewerId is string {
  return viewerId !== undefined && viewerId !== video.authorId;
}
