import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { caseRisk, type ReportTarget } from '../moderation/policy.ts';

/** A moderation case: every report of one target, and what was decided. */
export interface CaseRow {
  id: string;
  target_type: ReportTarget;
  target_id: string;
  owner_id: string;
  status: 'open' | 'actioned' | 'dismissed';
  report_count: number;
  trust_sum: number;
  reach: number;
  risk: number;
  decision: string | null;
  created_at: number;
  updated_at: number;
  decided_at: number | null;
}

/** One audited moderator action. */
export interface ActionRow {
  id: string;
  case_id: string;
  moderator_id: string;
  action: string;
  reason: string;
  details: string;
  created_at: number;
}

/** An appeal of a case's decision by its owner. */
export interface AppealRow {
  case_id: string;
  user_id: string;
  message: string;
  status: 'open' | 'upheld' | 'reversed';
  created_at: number;
  decided_at: number | null;
}

/** What a new report carries; trust and reach are computed by the caller (domain/moderation/policy.ts). */
export interface NewReport {
  id: string;
  caseId: string;
  reporterId: string;
  targetType: ReportTarget;
  targetId: string;
  ownerId: string;
  reason: string;
  note: string;
  trust: number;
  reach: number;
  now: number;
}

const CASE_COLUMNS =
  'id, target_type, target_id, owner_id, status, report_count, trust_sum, reach, risk, decision, created_at, updated_at, decided_at';

function toCase(r: Record<string, unknown>): CaseRow {
  return {
    ...(r as unknown as CaseRow),
    report_count: Number(r.report_count),
    trust_sum: Number(r.trust_sum),
    reach: Number(r.reach),
    risk: Number(r.risk),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    decided_at: r.decided_at === null || r.decided_at === undefined ? null : Number(r.decided_at),
  };
}

/**
 * Reports, cases, the audit of moderator actions and appeals. One case per target: reports of it add
 * to it (one per reporter), a dismissed case reopens when someone reports it again, an acted-on one
 * stays closed. Writes that must happen together take a transaction's executor.
 */
export function moderationRepo(db: SqlExecutor) {
  const caseByTarget = async (type: string, id: string) => {
    const r = await db.get(`SELECT ${CASE_COLUMNS} FROM moderation_cases WHERE target_type = $1 AND target_id = $2`, [
      type,
      id,
    ]);
    return r ? toCase(r) : undefined;
  };

  return {
    caseByTarget,

    async getCase(id: string): Promise<CaseRow | undefined> {
      const r = await db.get(`SELECT ${CASE_COLUMNS} FROM moderation_cases WHERE id = $1`, [id]);
      return r ? toCase(r) : undefined;
    },

    /** How a reporter's decided reports went: acted on, or dismissed. */
    async reporterHistory(reporterId: string): Promise<{ actioned: number; dismissed: number }> {
      const rows = await db.all<{ status: string; n: number }>(
        `SELECT c.status AS status, COUNT(*) AS n FROM reports r JOIN moderation_cases c ON c.id = r.case_id
         WHERE r.reporter_id = $1 AND c.status IN ('actioned', 'dismissed') GROUP BY c.status`,
        [reporterId],
      );
      const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
      return { actioned: n('actioned'), dismissed: n('dismissed') };
    },

    /**
     * Files a report: opens the target's case (or reopens a dismissed one) and adds the report to it.
     * A second report of a target by the same reporter changes nothing (`duplicate`).
     */
    async addReport(r: NewReport): Promise<{ case: CaseRow; duplicate: boolean }> {
      await db.run(
        `INSERT INTO moderation_cases (id, target_type, target_id, owner_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $5) ON CONFLICT DO NOTHING`,
        [r.caseId, r.targetType, r.targetId, r.ownerId, r.now],
      );
      const c = (await caseByTarget(r.targetType, r.targetId))!;
      const inserted = await db.run(
        `INSERT INTO reports (id, case_id, reporter_id, target_type, target_id, reason, note, trust, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [r.id, c.id, r.reporterId, r.targetType, r.targetId, r.reason, r.note, r.trust, r.now],
      );
      if (inserted.changes === 0) return { case: c, duplicate: true };
      const trustSum = c.trust_sum + r.trust;
      const reopen = c.status === 'dismissed';
      await db.run(
        `UPDATE moderation_cases SET report_count = report_count + 1, trust_sum = $2, reach = $3, risk = $4,
           updated_at = $5${reopen ? ", status = 'open', decision = NULL, decided_at = NULL" : ''}
         WHERE id = $1`,
        [c.id, trustSum, r.reach, caseRisk(trustSum, r.reach), r.now],
      );
      return { case: (await caseByTarget(r.targetType, r.targetId))!, duplicate: false };
    },

    /** Open cases, riskiest first (oldest first among equals), from `offset`. */
    async queue(limit: number, offset: number): Promise<CaseRow[]> {
      const rows = await db.all(
        `SELECT ${CASE_COLUMNS} FROM moderation_cases WHERE status = 'open'
         ORDER BY risk DESC, created_at ASC, id ASC LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      return rows.map(toCase);
    },

    /** How many reports of a case gave each reason. */
    async reasons(caseIds: readonly string[]): Promise<Map<string, Record<string, number>>> {
      const out = new Map<string, Record<string, number>>();
      if (caseIds.length === 0) return out;
      const rows = await db.all<{ case_id: string; reason: string; n: number }>(
        `SELECT case_id, reason, COUNT(*) AS n FROM reports WHERE case_id IN (${caseIds.map((_, i) => `$${i + 1}`).join(', ')})
         GROUP BY case_id, reason`,
        caseIds,
      );
      for (const r of rows) {
        const m = out.get(r.case_id) ?? {};
        m[r.reason] = Number(r.n);
        out.set(r.case_id, m);
      }
      return out;
    },

    /** Closes an open case with a decision; false when it was not open (decided meanwhile). */
    async decide(caseId: string, status: 'actioned' | 'dismissed', decision: string, now: number): Promise<boolean> {
      const r = await db.run(
        `UPDATE moderation_cases SET status = $2, decision = $3, decided_at = $4, updated_at = $4
         WHERE id = $1 AND status = 'open'`,
        [caseId, status, decision, now],
      );
      return r.changes > 0;
    },

    /** Sets a decided case's outcome again (an appeal reversed it). */
    async redecide(caseId: string, status: 'actioned' | 'dismissed', decision: string, now: number): Promise<void> {
      await db.run('UPDATE moderation_cases SET status = $2, decision = $3, updated_at = $4 WHERE id = $1', [
        caseId,
        status,
        decision,
        now,
      ]);
    },

    /** Cases about `ownerId`'s content that were acted on, or appealed, newest decision first. */
    async ownedDecided(ownerId: string, limit: number): Promise<CaseRow[]> {
      const rows = await db.all(
        `SELECT ${CASE_COLUMNS} FROM moderation_cases WHERE owner_id = $1
           AND (status = 'actioned' OR id IN (SELECT case_id FROM appeals WHERE user_id = $1))
         ORDER BY decided_at DESC, id DESC LIMIT $2`,
        [ownerId, limit],
      );
      return rows.map(toCase);
    },

    /** A case's reports, oldest first. */
    async reportsOf(
      caseId: string,
    ): Promise<{ reporter_id: string; reason: string; note: string; trust: number; created_at: number }[]> {
      const rows = await db.all<{
        reporter_id: string;
        reason: string;
        note: string;
        trust: number;
        created_at: number;
      }>(
        'SELECT reporter_id, reason, note, trust, created_at FROM reports WHERE case_id = $1 ORDER BY created_at ASC, id ASC',
        [caseId],
      );
      return rows.map((r) => ({ ...r, trust: Number(r.trust), created_at: Number(r.created_at) }));
    },

    /** Appends to the audit trail. */
    async audit(a: ActionRow): Promise<void> {
      await db.run(
        `INSERT INTO moderation_actions (id, case_id, moderator_id, action, reason, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [a.id, a.case_id, a.moderator_id, a.action, a.reason, a.details, a.created_at],
      );
    },

    /** A case's audit trail, oldest first. */
    async actions(caseId: string): Promise<ActionRow[]> {
      const rows = await db.all<ActionRow>(
        `SELECT id, case_id, moderator_id, action, reason, details, created_at FROM moderation_actions
         WHERE case_id = $1 ORDER BY created_at ASC, id ASC`,
        [caseId],
      );
      return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
    },

    /** Files the one appeal a case may have; false when it already has one. */
    async addAppeal(caseId: string, userId: string, message: string, now: number): Promise<boolean> {
      const r = await db.run(
        `INSERT INTO appeals (case_id, user_id, message, status, created_at) VALUES ($1, $2, $3, 'open', $4)
         ON CONFLICT DO NOTHING`,
        [caseId, userId, message, now],
      );
      return r.changes > 0;
    },

    async getAppeal(caseId: string): Promise<AppealRow | undefined> {
      const r = await db.get<AppealRow>(
        'SELECT case_id, user_id, message, status, created_at, decided_at FROM appeals WHERE case_id = $1',
        [caseId],
      );
      return r
        ? { ...r, created_at: Number(r.created_at), decided_at: r.decided_at === null ? null : Number(r.decided_at) }
        : undefined;
    },

    /** Open appeals, oldest first. */
    async openAppeals(limit: number): Promise<AppealRow[]> {
      const rows = await db.all<AppealRow>(
        `SELECT case_id, user_id, message, status, created_at, decided_at FROM appeals WHERE status = 'open'
         ORDER BY created_at ASC, case_id ASC LIMIT $1`,
        [limit],
      );
      return rows.map((r) => ({ ...r, created_at: Number(r.created_at), decided_at: null }));
    },

    /** Decides an open appeal; false when it was not open. */
    async decideAppeal(caseId: string, status: 'upheld' | 'reversed', now: number): Promise<boolean> {
      const r = await db.run("UPDATE appeals SET status = $2, decided_at = $3 WHERE case_id = $1 AND status = 'open'", [
        caseId,
        status,
        now,
      ]);
      return r.changes > 0;
    },

    /** Labels a video (`none`, `held`, `limited`, `removed`) and stamps it, so the feed's catalogue sees it. */
    async labelVideo(videoId: string, label: string, now: number): Promise<void> {
      await db.run('UPDATE videos SET moderation = $2, updated_at = $3 WHERE id = $1', [videoId, label, now]);
    },
  };
}

/** The repository's type. */
export type ModerationRepo = ReturnType<typeof moderationRepo>;
