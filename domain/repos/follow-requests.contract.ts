/**
 * Follow requests and account privacy (migration 005), run against SQLite and PostgreSQL through the
 * MetadataStore port: pending requests per target in a stable order, their removal either way, and the
 * account's privacy copied onto every one of its videos in the same write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { accountPrivacyRepo, followRequestsRepo } from './follow-requests.repo.ts';

export function describeFollowRequestsContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`follow requests and account privacy contract: ${name}`, () => {
    let db: MetadataStore;
    const user = (id: string, extra = '') =>
      db.run(
        `INSERT INTO users (id, handle, display_name, password_hash, created_at${extra ? ', banned_at' : ''}) VALUES ($1, $1, $1, 'x', 1${extra ? ', 2' : ''})`,
        [id],
      );
    beforeAll(async () => {
      db = await open();
      await db.migrate();
      for (const id of ['qa', 'qb', 'qc', 'qd', 'pa']) await user(id);
      await user('qbanned', 'banned');
    });
    afterAll(async () => db?.close());

    it('add and remove are idempotent; pending is per direction', async () => {
      const r = followRequestsRepo(db);
      expect(await r.add('qa', 'qb', 1)).toBe(true);
      expect(await r.add('qa', 'qb', 2)).toBe(false);
      expect(await r.isPending('qa', 'qb')).toBe(true);
      expect(await r.isPending('qb', 'qa')).toBe(false);
      expect(await r.remove('qa', 'qb')).toBe(true);
      expect(await r.remove('qa', 'qb')).toBe(false);
      expect(await r.isPending('qa', 'qb')).toBe(false);
    });

    it('lists a target’s requests oldest first with handles, pages by position, skips banned requesters', async () => {
      const r = followRequestsRepo(db);
      await r.add('qc', 'qd', 5);
      await r.add('qa', 'qd', 5);
      await r.add('qb', 'qd', 3);
      await r.add('qbanned', 'qd', 4);
      const all = await r.pendingFor('qd', 10);
      expect(all.map((x) => [x.requester_id, x.handle, x.created_at])).toEqual([
        ['qb', 'qb', 3],
        ['qa', 'qa', 5],
        ['qc', 'qc', 5],
      ]);
      expect((await r.pendingFor('qd', 1, { t: 5, id: 'qa' })).map((x) => x.requester_id)).toEqual(['qc']);
      expect(await r.allFor('qd')).toEqual(['qb', 'qbanned', 'qa', 'qc']);
      expect(await r.pendingFor('nobody', 10)).toEqual([]);
    });

    it('removes requests between two users either way', async () => {
      const r = followRequestsRepo(db);
      await r.add('qd', 'qc', 1);
      expect(await r.removeBetween('qc', 'qd')).toBe(2);
      expect(await r.isPending('qc', 'qd')).toBe(false);
      expect(await r.isPending('qd', 'qc')).toBe(false);
      expect(await r.removeBetween('qc', 'qd')).toBe(0);
    });

    it('account privacy: set reports a change once and copies it onto every video of the account', async () => {
      const p = accountPrivacyRepo(db);
      for (const [id, author] of [
        ['pv1', 'pa'],
        ['pv2', 'pa'],
        ['pv3', 'qa'],
      ] as const) {
        await db.run('INSERT INTO videos (id, author_id, created_at) VALUES ($1, $2, 1)', [id, author]);
      }
      const flags = async () =>
        (
          await db.all<{ id: string; f: number; u: number | null }>(
            'SELECT id, author_private AS f, updated_at AS u FROM videos WHERE id IN ($1, $2, $3) ORDER BY id',
            ['pv1', 'pv2', 'pv3'],
          )
        ).map((r) => [r.id, Number(r.f), r.u === null ? null : Number(r.u)]);
      expect(await p.isPrivate('pa')).toBe(false);
      expect(await p.set('pa', true, 50)).toBe(true);
      expect(await p.set('pa', true, 60)).toBe(false);
      expect(await p.isPrivate('pa')).toBe(true);
      expect(await p.lockAndRead('pa')).toBe(true);
      expect(await flags()).toEqual([
        ['pv1', 1, 50],
        ['pv2', 1, 50],
        ['pv3', 0, null],
      ]);
      expect(await p.set('pa', false, 70)).toBe(true);
      expect(await flags()).toEqual([
        ['pv1', 0, 70],
        ['pv2', 0, 70],
        ['pv3', 0, null],
      ]);
      expect(await p.isPrivate('nobody')).toBe(false);
    });

    it('account privacy: a change rolls back with its transaction, the videos’ copy included', async () => {
      await expect(
        db.transaction(async (tx) => {
          await accountPrivacyRepo(tx).set('pa', true, 80);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await accountPrivacyRepo(db).isPrivate('pa')).toBe(false);
      const row = await db.get<{ f: number }>('SELECT author_private AS f FROM videos WHERE id = $1', ['pv1']);
      expect(Number(row?.f)).toBe(0);
    });
  });
}
