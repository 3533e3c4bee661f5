/**
 * One suite for the social and engagement repositories (follows, blocks, likes, interests, counters),
 * run against SQLite and PostgreSQL through the MetadataStore port: the SQL of each is written once
 * and must mean the same on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { blocksRepo } from './blocks.repo.ts';
import { countersRepo } from './counters.repo.ts';
import { followsRepo } from './follows.repo.ts';
import { interestsRepo } from './interests.repo.ts';
import { likesRepo } from './likes.repo.ts';
import { relationsTo, relationTo } from './relation.ts';
import { readViewerGraph } from './viewer-graph.repo.ts';

export function describeRepositoriesContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`repositories contract: ${name}`, () => {
    let db: MetadataStore;
    beforeAll(async () => {
      db = await open();
      await db.migrate();
    });
    afterAll(async () => db?.close());

    it('follows: add and remove are idempotent and report a change only once', async () => {
      const f = followsRepo(db);
      expect(await f.add('fa', 'fb', 1)).toBe(true);
      expect(await f.add('fa', 'fb', 2)).toBe(false);
      expect(await f.isFollowing('fa', 'fb')).toBe(true);
      expect(await f.isFollowing('fb', 'fa')).toBe(false);
      expect(await f.remove('fa', 'fb')).toBe(true);
      expect(await f.remove('fa', 'fb')).toBe(false);
      expect(await f.isFollowing('fa', 'fb')).toBe(false);
    });

    it('follows: mutual only when both follow, and counts both directions', async () => {
      const f = followsRepo(db);
      await f.add('ma', 'mb', 1);
      expect(await f.areMutual('ma', 'mb')).toBe(false);
      await f.add('mb', 'ma', 1);
      await f.add('mc', 'ma', 1);
      expect(await f.areMutual('ma', 'mb')).toBe(true);
      expect(await f.areMutual('mb', 'ma')).toBe(true);
      expect(await f.areMutual('ma', 'mc')).toBe(false);
      expect(await f.counts('ma')).toEqual({ followers: 2, following: 1 });
      expect(await f.counts('nobody')).toEqual({ followers: 0, following: 0 });
    });

    it('follows: writes inside a transaction roll back with it', async () => {
      await expect(
        db.transaction(async (tx) => {
          await followsRepo(tx).add('ta', 'tb', 1);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await followsRepo(db).isFollowing('ta', 'tb')).toBe(false);
    });

    it('blocks: a block is seen from both sides until it is lifted', async () => {
      const b = blocksRepo(db);
      expect(await b.add('ba', 'bb', 1)).toBe(true);
      expect(await b.add('ba', 'bb', 2)).toBe(false);
      expect(await b.eitherWay('ba', 'bb')).toBe(true);
      expect(await b.eitherWay('bb', 'ba')).toBe(true);
      expect(await b.eitherWay('ba', 'bc')).toBe(false);
      await b.add('bc', 'ba', 1);
      expect(await b.involving('ba')).toEqual(new Set(['bb', 'bc']));
      expect(await b.involving('bb')).toEqual(new Set(['ba']));
      expect(await b.remove('ba', 'bb')).toBe(true);
      expect(await b.remove('ba', 'bb')).toBe(false);
      expect(await b.eitherWay('bb', 'ba')).toBe(false);
    });

    it('relation: mutual for friends-only videos, blocks either way, nothing for anonymous or the author', async () => {
      await followsRepo(db).add('ra', 'rb', 1);
      await followsRepo(db).add('rb', 'ra', 1);
      await blocksRepo(db).add('rc', 'ra', 1);
      const key = (privacy: string, authorPrivate = false) => ({ authorId: 'ra', privacy, authorPrivate });
      const none = { follows: false, mutual: false, blocked: false };
      expect(await relationTo(db, 'rb', key('friends'))).toEqual({ ...none, mutual: true });
      expect(await relationTo(db, 'rb', key('public'))).toEqual(none);
      expect(await relationTo(db, 'rb', key('public', true))).toEqual({ ...none, follows: true });
      expect(await relationTo(db, 'rd', key('public', true))).toEqual(none);
      expect(await relationTo(db, 'rc', key('public'))).toEqual({ ...none, blocked: true });
      expect(await relationTo(db, undefined, key('friends', true))).toEqual(none);
      expect(await relationTo(db, 'ra', key('friends', true))).toEqual(none);
      // The batch read answers each ask as relationTo does, in order.
      const asks = [
        { viewerId: 'rb', video: key('friends') },
        { viewerId: 'rb', video: key('public', true) },
        { viewerId: 'rc', video: key('public') },
        { viewerId: 'rd', video: key('public') },
        { viewerId: undefined, video: key('friends', true) },
        { viewerId: 'ra', video: key('friends', true) },
      ];
      expect(await relationsTo(db, asks)).toEqual(
        await Promise.all(asks.map((a) => relationTo(db, a.viewerId, a.video))),
      );
      expect(
        await blocksRepo(db).eitherWayAmong([
          ['ra', 'rc'],
          ['rc', 'ra'],
          ['ra', 'rb'],
        ]),
      ).toEqual(new Set(['ra\u0000rc', 'rc\u0000ra']));
    });

    it('likes: idempotent, counted exactly, and read for a page in one call', async () => {
      const l = likesRepo(db);
      expect(await l.add('la', 'v1', 1)).toBe(true);
      expect(await l.add('la', 'v1', 2)).toBe(false);
      await l.add('lb', 'v1', 1);
      await l.add('la', 'v3', 1);
      expect(await l.countOf('v1')).toBe(2);
      expect(await l.likedAmong('la', ['v1', 'v2', 'v3'])).toEqual(new Set(['v1', 'v3']));
      expect(await l.likedAmong('la', [])).toEqual(new Set());
      expect(await l.remove('la', 'v1')).toBe(true);
      expect(await l.remove('la', 'v1')).toBe(false);
      expect(await l.countOf('v1')).toBe(1);
      // Many at once: only the new pairs are reported.
      const added = await l.addMany(
        [
          { userId: 'lb', videoId: 'v1' },
          { userId: 'lc', videoId: 'v1' },
          { userId: 'lc', videoId: 'v2' },
        ],
        3,
      );
      expect(added).toEqual(new Set(['lc\u0000v1', 'lc\u0000v2']));
      expect(await l.countOf('v1')).toBe(2);
      expect(await l.addMany([], 3)).toEqual(new Set());
    });

    it('interests: replaced as a whole and listed sorted, Unicode tags included', async () => {
      const i = interestsRepo(db);
      await i.replace('ia', ['dogs', 'café', 'cats'], 1);
      expect(await i.list('ia')).toEqual(['café', 'cats', 'dogs'].sort());
      await i.replace('ia', ['ελλάδα'], 2);
      expect(await i.list('ia')).toEqual(['ελλάδα']);
      expect(await i.list('nobody')).toEqual([]);
    });

    it('counters: absent until put, then overwritten by the next put', async () => {
      const c = countersRepo(db);
      expect(await c.get('cv')).toBeUndefined();
      await c.put('cv', { views: 3, likes: 2, comments: 1, shares: 0 }, 10);
      expect(await c.get('cv')).toEqual({ views: 3, likes: 2, comments: 1, shares: 0 });
      await c.put('cv', { views: 4, likes: 2, comments: 1, shares: 5 }, 11);
      expect(await c.get('cv')).toEqual({ views: 4, likes: 2, comments: 1, shares: 5 });
      await c.put('cw', { views: 1, likes: 0, comments: 0, shares: 0 }, 20);
      const num = (rows: readonly { video_id: unknown; views: unknown; updated_at: unknown }[]) =>
        rows.map((r) => [r.video_id, Number(r.views), Number(r.updated_at)]).sort();
      expect(num(await c.list())).toEqual([
        ['cv', 4, 11],
        ['cw', 1, 20],
      ]);
      expect(num(await c.list(11))).toEqual([['cw', 1, 20]]);
    });

    it('viewer graph: follows, mutual friends, blocks either way, not-interested marks and interests in one read', async () => {
      await followsRepo(db).add('va', 'vb', 1);
      await followsRepo(db).add('vb', 'va', 1);
      await followsRepo(db).add('va', 'vc', 1);
      await blocksRepo(db).add('vd', 'va', 1);
      await blocksRepo(db).add('va', 've', 1);
      await interestsRepo(db).replace('va', ['dogs', 'cats'], 1);
      await db.run('INSERT INTO not_interested (user_id, video_id, author_id, created_at) VALUES ($1, $2, $3, $4)', [
        'va',
        'vid',
        'vf',
        1,
      ]);
      expect(await readViewerGraph(db, 'va')).toEqual({
        following: new Set(['vb', 'vc']),
        friends: new Set(['vb']),
        blocked: new Set(['vd', 've']),
        notInterestedVideos: new Set(['vid']),
        notInterestedAuthors: new Set(['vf']),
        interests: ['cats', 'dogs'],
      });
    });
  });
}
