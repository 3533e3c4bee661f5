import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCache } from '../../../core/cache/open.ts';
import type { Cache } from '../../../core/cache/ports.ts';
import { dropTestSchema, testPostgresUrl } from '../../../core/testing/postgres.ts';
import { cleanupTestRedis, testRedisUrl } from '../../../core/testing/redis.ts';
import { commentsService } from '../comments.service.ts';
import { VideoCounters } from '../counters.ts';
import { likesService } from '../likes.service.ts';
import { sharesService } from '../shares.service.ts';
import { type Fixture, openFixture } from './fixture.ts';

/** A fresh cache of the kind: in-process, or a Redis key space of its own (a Redis that lost its data). */
const cacheUrl = (kind: 'embedded' | 'scaled') => (kind === 'embedded' ? 'memory://' : testRedisUrl('counter-outbox'));

/** A cache whose `incrByOnce` fails while `down` is set: the process dying between commit and apply. */
function failingApply(cache: Cache): Cache & { down: boolean } {
  const state = { down: false };
  return new Proxy(cache, {
    get(target, prop) {
      if (prop === 'down') return state.down;
      if (prop === 'incrByOnce') {
        return async (...args: Parameters<Cache['incrByOnce']>) => {
          if (state.down) throw new Error('killed between the commit and the counter increment');
          return target.incrByOnce(...args);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(_target, prop, value) {
      if (prop !== 'down') return false;
      state.down = value as boolean;
      return true;
    },
  }) as Cache & { down: boolean };
}

const outboxRows = async (f: Fixture) =>
  Number((await f.metadata.get<{ n: number }>('SELECT COUNT(*) AS n FROM counter_outbox'))!.n);

/** The counter outbox's behaviour on the embedded ports (SQLite, memory) or the scaled ones (PostgreSQL, Redis). */
export function describeCounterOutbox(kind: 'embedded' | 'scaled'): void {
  describe(`counter outbox (${kind}): a committed like, comment or share is counted once, even if the process stops`, () => {
    let f: Fixture;
    let cache: Cache & { down: boolean };
    const opened: { cache: Cache; url: string }[] = [];
    const newCache = async () => {
      const url = cacheUrl(kind);
      const c = await openCache(url);
      opened.push({ cache: c, url });
      return c;
    };
    let pgUrl: string | undefined;
    beforeEach(async () => {
      cache = failingApply(await newCache());
      pgUrl = kind === 'scaled' ? testPostgresUrl('counter-outbox') : undefined;
      f = await openFixture({ cache, ...(pgUrl ? { metadataUrl: pgUrl } : {}) });
      for (const u of ['a', 'b', 'c']) await f.addUser(u);
      await f.addVideo('v1', 'a');
    });
    afterEach(async () => {
      await f.close();
      if (pgUrl) await dropTestSchema(pgUrl);
      for (const o of opened.splice(0)) {
        if (kind === 'scaled') await cleanupTestRedis(o.url);
        await o.cache.close();
      }
    });

    it('leaves nothing in the outbox when the increment follows the commit', async () => {
      await likesService(f).like('b', 'v1');
      const comments = commentsService(f);
      const { id } = await comments.create('c', 'v1', 'hello');
      await comments.create('b', 'v1', 'gone soon');
      await comments.remove('c', id);
      await sharesService(f).share('b', 'v1', 'copy_link');
      await f.counters.forgetApplied();
      expect(await outboxRows(f)).toBe(0);
      expect((await f.counters.get(['v1'])).get('v1')).toMatchObject({ likes: 1, comments: 1, shares: 1 });
    });

    it('counts a like whose increment never ran, once, when the flush sweeps the outbox; a retry adds nothing', async () => {
      const likes = likesService(f);
      await likes.like('c', 'v1');
      cache.down = true;
      await expect(likes.like('b', 'v1')).rejects.toThrow(/killed/);
      await expect(sharesService(f).share('b', 'v1', 'copy_link')).rejects.toThrow(/killed/);
      cache.down = false;
      // The like is committed, its count is not: the client retries, which finds the like there.
      expect((await likes.like('b', 'v1')).like_count).toBe(1);
      await f.counters.forgetApplied();
      expect(await outboxRows(f)).toBe(2);
      f.clock.advance(10_000);
      expect(await f.counters.applyPending(f.clock.now())).toEqual({ rows: 2, applied: 2 });
      expect((await f.counters.get(['v1'])).get('v1')).toMatchObject({ likes: 2, shares: 1 });
      // Applying the same rows again (two sweepers, or a sweep racing the writer) counts nothing more.
      expect(await f.counters.applyPending(f.clock.now())).toEqual({ rows: 0, applied: 0 });
      const [row] = await f.metadata.all<{ id: string }>('SELECT id FROM counter_outbox');
      expect(row).toBeUndefined();
    });

    it('applies a staged change once however often it is applied', async () => {
      const staged = await f.metadata.transaction((tx) => f.counters.stage(tx, new Map([['v1', { likes: 1 }]])));
      await Promise.all([f.counters.applyStaged(staged), f.counters.applyStaged(staged)]);
      await f.counters.applyStaged(staged);
      expect((await f.counters.get(['v1'])).get('v1')!.likes).toBe(1);
    });

    it('tries the recount again on the next call when it failed', async () => {
      await likesService(f).like('b', 'v1');
      await f.metadata.run('ALTER TABLE video_counters RENAME TO vc_away');
      await expect(f.counters.recoverIfLost(10_000, f.clock.now())).rejects.toThrow();
      await f.metadata.run('ALTER TABLE vc_away RENAME TO video_counters');
      expect(await f.counters.recoverIfLost(10_000, f.clock.now())).toBe(1);
      expect((await f.counters.get(['v1'])).get('v1')!.likes).toBe(1);
    });

    it('recounts from the records when the cache lost the counters, and drops the outbox rows the recount has', async () => {
      const likes = likesService(f);
      await likes.like('a', 'v1');
      cache.down = true;
      await expect(likes.like('b', 'v1')).rejects.toThrow(/killed/);
      cache.down = false;
      expect(await f.counters.recoverIfLost(10_000, f.clock.now())).toBe(1);
      expect(await f.counters.recoverIfLost(10_000, f.clock.now())).toBeUndefined();
      // A restart: a new in-process cache, empty; the outbox still holds b's unapplied like.
      const fresh = await newCache();
      const restarted = new VideoCounters({ cache: fresh, metadata: f.metadata, clock: f.clock });
      await expect(
        f.metadata.run(
          "INSERT INTO counter_outbox (id, video_id, deltas, created_at) VALUES ('x', 'v1', '{\"likes\":1}', 0)",
        ),
      ).resolves.toBeDefined();
      expect(await restarted.recoverIfLost(10_000, f.clock.now() + 1)).toBe(1);
      expect(await outboxRows(f)).toBe(0);
      expect(await restarted.applyPending(f.clock.now() + 1)).toEqual({ rows: 0, applied: 0 });
      expect((await restarted.get(['v1'])).get('v1')!.likes).toBe(2);
    });
  });
}
