/**
 * The moderation vocabulary and its arithmetic: what can be reported and why, what a moderator may do to
 * each kind of target, how much a reporter is trusted, and how a case is ranked in the queue. Pure; the
 * repositories store what these decide.
 */

/** What a user can report. */
export const REPORT_TARGETS = ['video', 'comment', 'user'] as const;
export type ReportTarget = (typeof REPORT_TARGETS)[number];

/** Why: stable reason codes a client shows as choices. */
export const REPORT_REASONS = [
  'spam',
  'harassment',
  'hate',
  'violence',
  'sexual',
  'self_harm',
  'misinformation',
  'impersonation',
  'copyright',
  'other',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/**
 * A moderator's decision on a case. `dismiss`: nothing wrong (a held video is released); `limit`: the
 * video stays up but is kept out of For You and trending; `remove`: the video or comment disappears
 * everywhere; `ban`: the account (the target user, or the author of the video or comment) is banned:
 * its writes are refused, its videos removed and its comments hidden.
 */
export const MODERATION_ACTIONS = ['dismiss', 'limit', 'remove', 'ban'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** Which actions apply to which target: a user can only be dismissed or banned, a comment not limited. */
export const ACTIONS_BY_TARGET: Record<ReportTarget, readonly ModerationAction[]> = {
  video: ['dismiss', 'limit', 'remove', 'ban'],
  comment: ['dismiss', 'remove', 'ban'],
  user: ['dismiss', 'ban'],
};

/** What a decided appeal says: the decision stands (`uphold`) or is undone (`reverse`). */
export const APPEAL_DECISIONS = ['uphold', 'reverse'] as const;
export type AppealDecision = (typeof APPEAL_DECISIONS)[number];

/**
 * How far a reporter is trusted, in (0, 1): the share of their decided reports that moderators acted on,
 * with one acted-on and one dismissed report assumed (a Beta(1, 1) prior), so a newcomer counts 0.5, a
 * reporter whose 10 reports were all acted on 0.92, and one whose 10 were all dismissed 0.08.
 */
export function reporterTrust(history: { actioned: number; dismissed: number }): number {
  return (1 + history.actioned) / (2 + history.actioned + history.dismissed);
}

/**
 * A case's place in the queue: the trusted weight of its reports times how far the target reaches
 * (1 + log10(1 + views or followers)), so ten trusted reports of a video seen by 100,000 outrank ten of
 * one seen by 10, and one report from a trusted reporter outranks one from a serial false reporter.
 */
export function caseRisk(trustSum: number, reach: number): number {
  return trustSum * (1 + Math.log10(1 + Math.max(0, reach)));
}
