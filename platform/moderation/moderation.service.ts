import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import {
  ACTIONS_BY_TARGET,
  type AppealDecision,
  type ModerationAction,
  type ReportReason,
  type ReportTarget,
  reporterTrust,
} from '../../domain/moderation/policy.ts';
import { type AppealRow, type CaseRow, moderationRepo } from '../../domain/repos/moderation.repo.ts';
import { notify } from '../notifications/notify.ts';
import { resolveTarget, summarizeTarget, type TargetSummary } from './targets.ts';

/** A case as moderators (and, for their own content, creators) see it. */
export interface CaseView {
  id: string;
  target: { type: ReportTarget; id: string; owner_id: string } & TargetSummary;
  status: CaseRow['status'];
  decision: string | null;
  report_count: number;
  reasons: Record<string, number>;
  reach: number;
  risk: number;
  created_at: number;
  updated_at: number;
  decided_at: number | null;
  appeal: { status: AppealRow['status']; message: string; created_at: number; decided_at: number | null } | null;
}

/** What a ban did, kept in its audit row so a reversed appeal undoes exactly that. */
interface BanDetails {
  removed_videos: string[];
}

/**
 * Reports, the moderation queue, moderator actions and appeals. Every decision and its effects (labels,
 * removals, a ban, the creator's notification, the audit row) commit in one transaction; a case is
 * decided once (409 CASE_CLOSED to a second moderator) and its decision appealed once (409
 * APPEAL_EXISTS).
 */
export function moderationService(deps: {
  metadata: MetadataStore;
  cache: Cache;
  clock: Clock;
  /** Reports of one video after which it is held from recommendation pending review. */
  holdThreshold: number;
}) {
  const db = deps.metadata;

  async function view(c: CaseRow, reasons?: Record<string, number>): Promise<CaseView> {
    const repo = moderationRepo(db);
    const appeal = await repo.getAppeal(c.id);
    return {
      id: c.id,
      target: {
        type: c.target_type,
        id: c.target_id,
        owner_id: c.owner_id,
        ...(await summarizeTarget(db, c.target_type, c.target_id, c.owner_id)),
      },
      status: c.status,
      decision: c.decision,
      report_count: c.report_count,
      reasons: reasons ?? (await repo.reasons([c.id])).get(c.id) ?? {},
      reach: c.reach,
      risk: c.risk,
      created_at: c.created_at,
      updated_at: c.updated_at,
      decided_at: c.decided_at,
      appeal: appeal
        ? {
            status: appeal.status,
            message: appeal.message,
            created_at: appeal.created_at,
            decided_at: appeal.decided_at,
          }
        : null,
    };
  }

  async function caseOrThrow(id: string): Promise<CaseRow> {
    const c = await moderationRepo(db).getCase(id);
    if (!c) throw new AppError('CASE_NOT_FOUND');
    return c;
  }

  /** Drops a (un)banned account's cached sessions, so the change applies at once, not within 30 s. */
  async function evictSessions(userId: string): Promise<void> {
    const rows = await db.all<{ token_hash: string }>(
      'SELECT token_hash FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    await Promise.all(rows.map((r) => deps.cache.del(`session:${r.token_hash}`)));
  }

  /** Applies an action's effect on the target; returns what the audit row should remember. */
  async function apply(tx: SqlExecutor, c: CaseRow, action: ModerationAction, now: number): Promise<object> {
    const repo = moderationRepo(tx);
    if (action === 'dismiss') {
      if (c.target_type === 'video') {
        await tx.run("UPDATE videos SET moderation = 'none', updated_at = $2 WHERE id = $1 AND moderation = 'held'", [
          c.target_id,
          now,
        ]);
      }
      return {};
    }
    if (action === 'limit') {
      await repo.labelVideo(c.target_id, 'limited', now);
      return {};
    }
    if (action === 'remove') {
      if (c.target_type === 'video') await repo.labelVideo(c.target_id, 'removed', now);
      else await tx.run('UPDATE comments SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL', [c.target_id, now]);
      return {};
    }
    // ban: the account, and every video of it not removed already (remembered, so a reversal restores them).
    await tx.run('UPDATE users SET banned_at = $2 WHERE id = $1 AND banned_at IS NULL', [c.owner_id, now]);
    const videos = await tx.all<{ id: string }>(
      "SELECT id FROM videos WHERE author_id = $1 AND moderation <> 'removed' ORDER BY id",
      [c.owner_id],
    );
    for (const v of videos) await repo.labelVideo(v.id, 'removed', now);
    return { removed_videos: videos.map((v) => v.id) } satisfies BanDetails;
  }

  /** Undoes a decision an appeal reversed. */
  async function undo(tx: SqlExecutor, c: CaseRow, details: Partial<BanDetails>, now: number): Promise<void> {
    const repo = moderationRepo(tx);
    if (c.decision === 'limit' || (c.decision === 'remove' && c.target_type === 'video')) {
      await repo.labelVideo(c.target_id, 'none', now);
    } else if (c.decision === 'remove') {
      await tx.run('UPDATE comments SET deleted_at = NULL WHERE id = $1', [c.target_id]);
    } else if (c.decision === 'ban') {
      await tx.run('UPDATE users SET banned_at = NULL WHERE id = $1', [c.owner_id]);
      for (const id of details.removed_videos ?? []) await repo.labelVideo(id, 'none', now);
    }
  }

  return {
    /**
     * Files a report of a target the reporter can see. Returns `duplicate` when they reported it before
     * (nothing changes). A video whose open case reaches `holdThreshold` reports is held from recommendation.
     */
    async report(
      reporterId: string,
      r: { target_type: ReportTarget; target_id: string; reason: ReportReason; note?: string },
    ): Promise<{ duplicate: boolean }> {
      const target = await resolveTarget(db, reporterId, r.target_type, r.target_id);
      if (target.ownerId === reporterId) {
        throw new AppError('VALIDATION_FAILED', 'You cannot report yourself or your own content.');
      }
      const now = deps.clock.now();
      const trust = reporterTrust(await moderationRepo(db).reporterHistory(reporterId));
      return db.transaction(async (tx) => {
        const { case: c, duplicate } = await moderationRepo(tx).addReport({
          id: newId(now),
          caseId: newId(now),
          reporterId,
          targetType: r.target_type,
          targetId: r.target_id,
          ownerId: target.ownerId,
          reason: r.reason,
          note: r.note ?? '',
          trust,
          reach: target.reach,
          now,
        });
        if (!duplicate && c.status === 'open' && c.target_type === 'video' && c.report_count >= deps.holdThreshold) {
          await tx.run("UPDATE videos SET moderation = 'held', updated_at = $2 WHERE id = $1 AND moderation = 'none'", [
            c.target_id,
            now,
          ]);
        }
        return { duplicate };
      });
    },

    /** Open cases, riskiest first, from `offset`. */
    async queue(limit: number, offset: number): Promise<CaseView[]> {
      const repo = moderationRepo(db);
      const cases = await repo.queue(limit, offset);
      const reasons = await repo.reasons(cases.map((c) => c.id));
      return Promise.all(cases.map((c) => view(c, reasons.get(c.id) ?? {})));
    },

    /** One case with its reports and its audit trail. */
    async get(id: string) {
      const c = await caseOrThrow(id);
      const repo = moderationRepo(db);
      return {
        ...(await view(c)),
        reports: await repo.reportsOf(id),
        actions: (await repo.actions(id)).map((a) => ({
          ...a,
          details: JSON.parse(a.details) as Record<string, unknown>,
        })),
      };
    },

    /** Decides an open case; the creator is told unless it was dismissed. */
    async act(moderatorId: string, caseId: string, action: ModerationAction, reason: string): Promise<CaseView> {
      const c = await caseOrThrow(caseId);
      const allowed = ACTIONS_BY_TARGET[c.target_type];
      if (!allowed.includes(action)) {
        throw new AppError('ACTION_NOT_APPLICABLE', `A ${c.target_type} can be: ${allowed.join(', ')}.`, { allowed });
      }
      if (c.status !== 'open') throw new AppError('CASE_CLOSED');
      const now = deps.clock.now();
      await db.transaction(async (tx) => {
        const repo = moderationRepo(tx);
        if (!(await repo.decide(c.id, action === 'dismiss' ? 'dismissed' : 'actioned', action, now))) {
          throw new AppError('CASE_CLOSED');
        }
        const details = await apply(tx, c, action, now);
        await repo.audit({
          id: newId(now),
          case_id: c.id,
          moderator_id: moderatorId,
          action,
          reason,
          details: JSON.stringify(details),
          created_at: now,
        });
        if (action !== 'dismiss') {
          await notify(tx, {
            userId: c.owner_id,
            type: 'moderation',
            caseId: c.id,
            ...(c.target_type === 'video' ? { videoId: c.target_id } : {}),
            ...(c.target_type === 'comment' ? { commentId: c.target_id } : {}),
            data: { action, reason, target_type: c.target_type, appealable: true },
            now,
          });
        }
      });
      if (action === 'ban') await evictSessions(c.owner_id);
      return view((await moderationRepo(db).getCase(c.id))!);
    },

    /** Decided cases about the caller's content, with their appeals. */
    async mine(userId: string, limit: number): Promise<CaseView[]> {
      return Promise.all((await moderationRepo(db).ownedDecided(userId, limit)).map((c) => view(c)));
    },

    /** The creator's one appeal of an action taken against their content. */
    async appeal(userId: string, caseId: string, message: string): Promise<CaseView> {
      const c = await moderationRepo(db).getCase(caseId);
      if (!c || c.owner_id !== userId) throw new AppError('CASE_NOT_FOUND');
      if (c.status !== 'actioned') throw new AppError('NOT_APPEALABLE');
      if (!(await moderationRepo(db).addAppeal(caseId, userId, message, deps.clock.now()))) {
        throw new AppError('APPEAL_EXISTS');
      }
      return view(c);
    },

    /** Open appeals, oldest first. */
    async appeals(limit: number): Promise<CaseView[]> {
      const repo = moderationRepo(db);
      const open = await repo.openAppeals(limit);
      return Promise.all(open.map(async (a) => view((await repo.getCase(a.case_id))!)));
    },

    /** Upholds or reverses an appeal; a reversal undoes the decision. The creator is told either way. */
    async decideAppeal(
      moderatorId: string,
      caseId: string,
      decision: AppealDecision,
      reason: string,
    ): Promise<CaseView> {
      const c = await caseOrThrow(caseId);
      const appeal = await moderationRepo(db).getAppeal(caseId);
      if (!appeal) throw new AppError('CASE_NOT_FOUND', 'This case has no appeal.');
      const now = deps.clock.now();
      const action = decision === 'reverse' ? 'appeal_reversed' : 'appeal_upheld';
      await db.transaction(async (tx) => {
        const repo = moderationRepo(tx);
        if (!(await repo.decideAppeal(caseId, decision === 'reverse' ? 'reversed' : 'upheld', now))) {
          throw new AppError('CASE_CLOSED', 'This appeal was already decided.');
        }
        if (decision === 'reverse') {
          const original = (await repo.actions(caseId)).filter((a) => a.action === c.decision).at(-1);
          await undo(tx, c, original ? (JSON.parse(original.details) as Partial<BanDetails>) : {}, now);
          await repo.redecide(caseId, 'dismissed', 'reversed', now);
        }
        await repo.audit({
          id: newId(now),
          case_id: caseId,
          moderator_id: moderatorId,
          action,
          reason,
          details: '{}',
          created_at: now,
        });
        await notify(tx, {
          userId: c.owner_id,
          type: 'moderation',
          caseId,
          ...(c.target_type === 'video' ? { videoId: c.target_id } : {}),
          data: { action, reason, target_type: c.target_type, appealable: false },
          now,
        });
      });
      if (decision === 'reverse' && c.decision === 'ban') await evictSessions(c.owner_id);
      return view((await moderationRepo(db).getCase(caseId))!);
    },
  };
}

/** The moderation service's type. */
export type ModerationService = ReturnType<typeof moderationService>;
