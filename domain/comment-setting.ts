/**
 * Who may comment on a video, as its author chose: `everyone` (who can see it), `followers` (of the
 * author), or `off`. The author may always comment on their own video. Seeing the video is checked
 * first, by the one access rule; this only narrows it.
 */
export const COMMENT_SETTINGS = ['everyone', 'followers', 'off'] as const;
export type CommentSetting = (typeof COMMENT_SETTINGS)[number];

/** Why a comment is refused, or undefined when it is allowed. */
export function commentRefusal(
  commenterId: string,
  video: { authorId: string; commentSetting: string },
  followsAuthor: boolean,
): 'COMMENTS_OFF' | 'COMMENTS_FOLLOWERS_ONLY' | undefined {
  if (commenterId === video.authorId || video.commentSetting === 'everyone') return undefined;
  if (video.commentSetting === 'followers') return followsAuthor ? undefined : 'COMMENTS_FOLLOWERS_ONLY';
  // `off`, or a setting this code does not know: refused.
  return 'COMMENTS_OFF';
}
