/**
 * One suite for the moderation and notifications repositories, run against SQLite and PostgreSQL
 * through the MetadataStore port (like repos.contract.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { moderationRepo, type NewReport } from './moderation.repo.ts';
import { notificationsRepo } from './notifications.repo.ts';

const report = (o: Partial<NewReport> & Pick<NewReport, 'reporterId' | 'targetId'>): NewReport => ({
  id: newId(),
  caseId: newId(),
  targetType: 'video',
  ownerId: 'owner',
  reason: 'spam',
  note: '',
  trust: 0.5,
  reach: 0,
  now: 1000,
  ...o,
});

export function describeModerationContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`moderation repositories contract: ${name}`, () => {
    let db: MetadataStore;
    beforeAll(async () => {
      db = await open();
      await db.migrate();
    });
    afterAll(async () => db?.close());

    it('reports: one case per target, one report per reporter, risk from trust and reach', async () => {
      const m = moderationRepo(db);
      const a = await m.addReport(report({ reporterId: 'r1', targetId: 'mv1', reach: 9 }));
      expect(a.duplicate).toBe(false);
      expect(a.case.report_count).toBe(1);
      const again = await m.addReport(report({ reporterId: 'r1', targetId: 'mv1', reason: 'hate' }));
      expect(again.duplicate).toBe(true);
      expect(again.case.report_count).toBe(1);
      const b = await m.addReport(report({ reporterId: 'r2', targetId: 'mv1', trust: 0.9, reach: 9 }));
      expect(b.case.id).toBe(a.case.id);
      expect(b.case.report_count).toBe(2);
      expect(b.case.risk).toBeCloseTo(1.4 * 2);
      expect(await m.reasons([a.case.id])).toEqual(new Map([[a.case.id, { spam: 2 }]]));
    });

    it('queue: riskiest open cases first; decided cases leave it; a dismissed case reopens on a new report', async () => {
      const m = moderationRepo(db);
      const low = await m.addReport(report({ reporterId: 'q1', targetId: 'qlow', trust: 0.1 }));
      const high = await m.addReport(report({ reporterId: 'q1', targetId: 'qhigh', trust: 0.9, reach: 1e6 }));
      const queue = (await m.queue(100, 0)).map((c) => c.id);
      expect(queue.indexOf(high.case.id)).toBeLessThan(queue.indexOf(low.case.id));
      expect(await m.decide(low.case.id, 'dismissed', 'dismiss', 2000)).toBe(true);
      expect(await m.decide(low.case.id, 'actioned', 'remove', 2000)).toBe(false);
      expect((await m.queue(100, 0)).map((c) => c.id)).not.toContain(low.case.id);
      expect(await m.reporterHistory('q1')).toEqual({ actioned: 0, dismissed: 1 });
      const reopened = await m.addReport(report({ reporterId: 'q2', targetId: 'qlow' }));
      expect(reopened.case).toMatchObject({ id: low.case.id, status: 'open', report_count: 2, decision: null });
    });

    it('audit and appeals: actions kept in order, one appeal per case decided once', async () => {
      const m = moderationRepo(db);
      const c = (await m.addReport(report({ reporterId: 'a1', targetId: 'av1' }))).case;
      await m.audit({
        id: newId(1),
        case_id: c.id,
        moderator_id: 'mod',
        action: 'remove',
        reason: 'r',
        details: '{}',
        created_at: 5,
      });
      await m.audit({
        id: newId(2),
        case_id: c.id,
        moderator_id: 'mod',
        action: 'appeal_upheld',
        reason: 'no',
        details: '{}',
        created_at: 6,
      });
      expect((await m.actions(c.id)).map((a) => a.action)).toEqual(['remove', 'appeal_upheld']);
      expect(await m.addAppeal(c.id, 'owner', 'please', 7)).toBe(true);
      expect(await m.addAppeal(c.id, 'owner', 'again', 8)).toBe(false);
      expect((await m.openAppeals(100)).map((a) => a.case_id)).toContain(c.id);
      expect(await m.decideAppeal(c.id, 'reversed', 9)).toBe(true);
      expect(await m.decideAppeal(c.id, 'upheld', 9)).toBe(false);
      expect(await m.getAppeal(c.id)).toMatchObject({ status: 'reversed', message: 'please', decided_at: 9 });
      expect((await m.ownedDecided('owner', 100)).map((x) => x.id)).toContain(c.id);
      expect((await m.reportsOf(c.id)).map((r) => r.reporter_id)).toEqual(['a1']);
    });

    it('notifications: newest first by page, oldest first after an id, unread counted and marked', async () => {
      const n = notificationsRepo(db);
      const ids = [newId(10), newId(20), newId(30)];
      for (const [i, id] of ids.entries()) {
        await n.add({
          id,
          userId: 'nu',
          type: i === 2 ? 'follow' : 'like',
          actorId: 'na',
          videoId: 'nv',
          now: 10 * (i + 1),
        });
      }
      await n.add({ id: newId(40), userId: 'other', type: 'like', now: 40 });
      expect((await n.page('nu', 2)).map((r) => r.id)).toEqual([ids[2], ids[1]]);
      expect((await n.page('nu', 2, ids[1])).map((r) => r.id)).toEqual([ids[0]]);
      expect((await n.after('nu', ids[0]!, 10)).map((r) => r.id)).toEqual([ids[1], ids[2]]);
      expect(await n.latestId('nu')).toBe(ids[2]);
      expect(await n.latestId('nobody')).toBe('');
      expect(await n.unreadCount('nu')).toBe(3);
      expect(await n.markRead('nu', 50, [ids[0]!, 'not-mine'])).toBe(1);
      expect(await n.unreadCount('nu')).toBe(2);
      expect(await n.markRead('nu', 60)).toBe(2);
      expect(await n.unreadCount('nu')).toBe(0);
      expect(await n.unreadCount('other')).toBe(1);
      expect((await n.page('nu', 1))[0]).toMatchObject({ type: 'follow', read_at: 60, video_id: 'nv' });
    });
  });
}
