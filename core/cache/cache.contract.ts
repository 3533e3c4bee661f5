import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import type { Cache } from './ports.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every behaviour the Cache port promises, run against one backend; `close` releases what `open` made. */
export function describeCacheContract(
  name: string,
  open: () => Promise<Cache>,
  close: (cache: Cache) => Promise<void> = (c) => c.close(),
): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    beforeAll(async () => {
      cache = await open();
    });
    afterAll(async () => {
      if (cache) await close(cache);
    });
    const k = (label: string) => `${label}:${newId()}`;

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    it('gets what was set, overwrites, and deletes', async () => {
      const key = k('str');
      expect(await cache.get(key)).toBeUndefined();
      await cache.set(key, 'one');
      expect(await cache.get(key)).toBe('one');
      await cache.set(key, 'two');
      expect(await cache.get(key)).toBe('two');
      await cache.del(key);
      expect(await cache.get(key)).toBeUndefined();
      await expect(cache.del(key)).resolves.toBeUndefined();
    });

    it('keeps values byte-exact, including empty and non-ASCII strings', async () => {
      const [a, b] = [k('raw'), k('raw')];
      await cache.set(a, '');
      await cache.set(b, 'ünï ✓ {"json":true}\n');
      expect(await cache.get(a)).toBe('');
      expect(await cache.get(b)).toBe('ünï ✓ {"json":true}\n');
    });

    it('mgets in order with undefined for missing keys', async () => {
      const [a, b, c] = [k('m'), k('m'), k('m')];
      await cache.set(a, 'A');
      await cache.set(c, 'C');
      expect(await cache.mget([a, b, c, a])).toEqual(['A', undefined, 'C', 'A']);
      expect(await cache.mget([])).toEqual([]);
    });

    it('expires a value after its TTL and reports the remaining TTL', async () => {
      const key = k('ttl');
      await cache.set(key, 'v', 200);
      const left = await cache.ttl(key);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(200);
      expect(await cache.get(key)).toBe('v');
      await sleep(300);
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.ttl(key)).toBe(-2);
      expect(await cache.mget([key])).toEqual([undefined]);
    });

    it('reports -1 without expiry and -2 for a missing key; a plain set clears an earlier TTL', async () => {
      const key = k('ttl');
      expect(await cache.ttl(key)).toBe(-2);
      await cache.set(key, 'v', 60_000);
      await cache.set(key, 'v');
      expect(await cache.ttl(key)).toBe(-1);
      await cache.set(key, 'v', 0);
      expect(await cache.ttl(key)).toBe(-1);
    });

    it('setIfAbsent sets only a missing key, and again once it expired', async () => {
      const key = k('lock');
      expect(await cache.setIfAbsent(key, 'first', 200)).toBe(true);
      expect(await cache.setIfAbsent(key, 'second', 200)).toBe(false);
      expect(await cache.get(key)).toBe('first');
      await sleep(300);
      expect(await cache.setIfAbsent(key, 'third', 0)).toBe(true);
      expect(await cache.get(key)).toBe('third');
      expect(await cache.ttl(key)).toBe(-1);
    });

    it('setManyIfAbsent sets each missing key and reports which, in order, with the TTL', async () => {
      const [a, b, c, d] = [k('many-a'), k('many-b'), k('many-c'), k('many-d')];
      await cache.set(b, 'there');
      expect(await cache.setManyIfAbsent([a, b, c], '1', 60_000)).toEqual([true, false, true]);
      expect(await cache.mget([a, b, c])).toEqual(['1', 'there', '1']);
      expect(await cache.ttl(a)).toBeGreaterThan(0);
      expect(await cache.ttl(b)).toBe(-1);
      expect(await cache.setManyIfAbsent([a, d], '2', 0)).toEqual([false, true]);
      expect(await cache.ttl(d)).toBe(-1);
      expect(await cache.setManyIfAbsent([], '1', 1_000)).toEqual([]);
    });

    it('setMany sets each key to its own value and TTL', async () => {
      const [a, b] = [k('setmany-a'), k('setmany-b')];
      await cache.set(b, 'old', 60_000);
      await cache.setMany([
        { key: a, value: 'x', ttlMs: 60_000 },
        { key: b, value: 'y' },
      ]);
      expect(await cache.mget([a, b])).toEqual(['x', 'y']);
      expect(await cache.ttl(a)).toBeGreaterThan(0);
      expect(await cache.ttl(b)).toBe(-1);
      await cache.setMany([]);
    });

    it('lets exactly one of 50 concurrent setIfAbsent calls win', async () => {
      const key = k('race');
      const wins = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.setIfAbsent(key, `w${i}`, 10_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await cache.get(key)).toBe(`w${wins.indexOf(true)}`);
    });

    it('incrByMany adds each step to its key and returns the new values, in order', async () => {
      const [a, b] = [k('incr-many-a'), k('incr-many-b')];
      await cache.set(b, '10', 60_000);
      expect(
        await cache.incrByMany([
          { key: a, by: 2 },
          { key: b, by: -3 },
          { key: a, by: 1 },
        ]),
      ).toEqual([2, 7, 3]);
      expect(await cache.mget([a, b])).toEqual(['3', '7']);
      expect(await cache.ttl(b)).toBeGreaterThan(0);
      expect(await cache.incrByMany([])).toEqual([]);
    });

    it('incrByMany sets an entry TTL only when it creates the key', async () => {
      const [fresh, kept, forever] = [k('incr-many-ttl-a'), k('incr-many-ttl-b'), k('incr-many-ttl-c')];
      await cache.set(kept, '5');
      expect(
        await cache.incrByMany([
          { key: fresh, by: 1, ttlMs: 60_000 },
          { key: kept, by: 1, ttlMs: 60_000 },
          { key: forever, by: 4 },
          { key: fresh, by: 2, ttlMs: 1 },
        ]),
      ).toEqual([1, 6, 4, 3]);
      const ttl = await cache.ttl(fresh);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await cache.ttl(kept)).toBe(-1);
      expect(await cache.ttl(forever)).toBe(-1);
      await expect(cache.incrByMany([{ key: fresh, by: 1, ttlMs: -1 }])).rejects.toThrow();
    });

    it('incrByOnce applies its increments once per marker, and again once the marker expired', async () => {
      const [m, a, b, race] = [k('once-marker'), k('once-a'), k('once-b'), k('once-race')];
      const steps = [
        { key: a, by: 2 },
        { key: b, by: -1 },
      ];
      expect(await cache.incrByOnce(m, 300, steps)).toBe(true);
      expect(await cache.incrByOnce(m, 300, steps)).toBe(false);
      expect(await cache.mget([a, b])).toEqual(['2', '-1']);
      const racing = await Promise.all(
        Array.from({ length: 20 }, () => cache.incrByOnce(race, 60_000, [{ key: a, by: 1 }])),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await cache.get(a)).toBe('3');
      await new Promise((r) => setTimeout(r, 400));
      expect(await cache.incrByOnce(m, 300, steps)).toBe(true);
      expect(await cache.mget([a, b])).toEqual(['5', '-2']);
      await expect(cache.incrByOnce(k('once-no-ttl'), 0, steps)).rejects.toThrow(/positive/);
      await expect(cache.incrByOnce(k('once-bad'), 300, [{ key: a, by: 0.5 }])).rejects.toThrow(/integer/);
      expect(await cache.get(k('once-bad'))).toBeUndefined();
    });

    it('counts with incrBy, including negative steps, from a missing key', async () => {
      const key = k('ctr');
      expect(await cache.incrBy(key, 5)).toBe(5);
      expect(await cache.incrBy(key, -7)).toBe(-2);
      expect(await cache.get(key)).toBe('-2');
      await cache.set(key, '40');
      expect(await cache.incrBy(key, 2)).toBe(42);
    });

    it('gives exactly 200 after 200 parallel incrBy(1)', async () => {
      const key = k('ctr');
      const results = await Promise.all(Array.from({ length: 200 }, () => cache.incrBy(key, 1, 60_000)));
      expect(await cache.get(key)).toBe('200');
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('sets the incrBy TTL only when the key is created', async () => {
      const key = k('ctr');
      await cache.incrBy(key, 1, 300);
      await sleep(50);
      expect(await cache.incrBy(key, 1, 60_000)).toBe(2);
      const left = await cache.ttl(key);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(300);
      await sleep(350);
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.incrBy(key, 1)).toBe(1);
      expect(await cache.ttl(key)).toBe(-1);
    });

    it('refuses incrBy on a non-integer value and a non-integer step', async () => {
      const key = k('ctr');
      await cache.set(key, 'abc');
      await expect(cache.incrBy(key, 1)).rejects.toThrow(/not an integer/);
      await expect(cache.incrBy(k('ctr'), 1.5)).rejects.toThrow(/integer/);
    });

    it('rejects a negative or fractional TTL', async () => {
      await expect(cache.set(k('bad'), 'v', -1)).rejects.toThrow(/ttlMs/);
      await expect(cache.set(k('bad'), 'v', 1.5)).rejects.toThrow(/ttlMs/);
    });

    it('adds set members, counting only new ones', async () => {
      const key = k('set');
      expect(await cache.sAdd(key, ['a', 'b', 'a'])).toBe(2);
      expect(await cache.sAdd(key, ['b', 'c'])).toBe(1);
      expect(await cache.sAdd(key, [])).toBe(0);
      expect((await cache.sMembers(key)).sort()).toEqual(['a', 'b', 'c']);
      expect(await cache.sIsMember(key, 'c')).toBe(true);
      expect(await cache.sIsMember(key, 'z')).toBe(false);
      expect(await cache.sMembers(k('set'))).toEqual([]);
      expect(await cache.sIsMember(k('set'), 'a')).toBe(false);
    });

    it('(re)sets a set TTL on every sAdd that gives one, and the set expires', async () => {
      const key = k('set');
      await cache.sAdd(key, ['a'], 60_000);
      await cache.sAdd(key, ['b'], 200);
      const left = await cache.ttl(key);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(200);
      await sleep(300);
      expect(await cache.sMembers(key)).toEqual([]);
      expect(await cache.sIsMember(key, 'a')).toBe(false);
    });

    it('dedups concurrent sAdd of one member: exactly one call reports it new', async () => {
      const key = k('set');
      const added = await Promise.all(Array.from({ length: 30 }, () => cache.sAdd(key, ['viewer'], 60_000)));
      expect(added.reduce((a, b) => a + b, 0)).toBe(1);
    });

    it('zAdd with a TTL sets the time to live of the key; without one it keeps the TTL it had', async () => {
      const key = k('zttl');
      await cache.zAdd(key, [{ member: 'a', score: 1 }], 60_000);
      const left = await cache.ttl(key);
      expect(left).toBeGreaterThan(50_000);
      expect(left).toBeLessThanOrEqual(60_000);
      await cache.zAdd(key, [{ member: 'b', score: 2 }]);
      expect(await cache.ttl(key)).toBeGreaterThan(50_000);
      expect((await cache.zRevRange(key, 0, -1)).map((e) => e.member)).toEqual(['b', 'a']);
      const short = k('zttl');
      await cache.zAdd(short, [{ member: 'a', score: 1 }], 40);
      await new Promise((r) => setTimeout(r, 120));
      expect(await cache.zRevRange(short, 0, -1)).toEqual([]);
      await expect(cache.zAdd(k('zttl'), [{ member: 'a', score: 1 }], -1)).rejects.toThrow(/ttlMs/);
    });

    it('orders a sorted set highest first, ties in reverse member order, with Redis ranges', async () => {
      const key = k('z');
      await cache.zAdd(key, [
        { member: 'a', score: 1 },
        { member: 'b', score: 3 },
        { member: 'c', score: 2 },
        { member: 'd', score: 3 },
        { member: 'e', score: -0.5 },
      ]);
      const all = await cache.zRevRange(key, 0, -1);
      expect(all).toEqual([
        { member: 'd', score: 3 },
        { member: 'b', score: 3 },
        { member: 'c', score: 2 },
        { member: 'a', score: 1 },
        { member: 'e', score: -0.5 },
      ]);
      expect((await cache.zRevRange(key, 1, 2)).map((e) => e.member)).toEqual(['b', 'c']);
      expect((await cache.zRevRange(key, -2, -1)).map((e) => e.member)).toEqual(['a', 'e']);
      expect((await cache.zRevRange(key, 3, 100)).map((e) => e.member)).toEqual(['a', 'e']);
      expect(await cache.zRevRange(key, 5, 10)).toEqual([]);
      expect(await cache.zRevRange(key, 2, 1)).toEqual([]);
      expect(await cache.zRevRange(k('z'), 0, -1)).toEqual([]);
    });

    it('updates scores with zAdd and zIncrBy, keeping fractional scores exact', async () => {
      const key = k('z');
      expect(await cache.zIncrBy(key, 2.5, 'x')).toBe(2.5);
      expect(await cache.zIncrBy(key, 0.25, 'x')).toBe(2.75);
      await cache.zAdd(key, [{ member: 'y', score: 10 }]);
      await cache.zAdd(key, [{ member: 'y', score: 1 }]);
      await cache.zAdd(key, []);
      expect(await cache.zRevRange(key, 0, -1)).toEqual([
        { member: 'x', score: 2.75 },
        { member: 'y', score: 1 },
      ]);
      await expect(cache.zAdd(key, [{ member: 'n', score: Number.NaN }])).rejects.toThrow(/finite/);
    });

    it('sums 100 concurrent zIncrBy calls exactly', async () => {
      const key = k('z');
      await Promise.all(Array.from({ length: 100 }, () => cache.zIncrBy(key, 1, 'hot')));
      expect(await cache.zRevRange(key, 0, 0)).toEqual([{ member: 'hot', score: 100 }]);
    });

    it('removes sorted-set members, and an emptied set is gone', async () => {
      const key = k('z');
      await cache.zAdd(key, [
        { member: 'a', score: 1 },
        { member: 'b', score: 2 },
      ]);
      await cache.zRem(key, ['a', 'missing']);
      await cache.zRem(key, []);
      expect(await cache.zRevRange(key, 0, -1)).toEqual([{ member: 'b', score: 2 }]);
      await cache.zRem(key, ['b']);
      expect(await cache.ttl(key)).toBe(-2);
    });

    it('zTrimTop keeps only the highest-scored members', async () => {
      const key = k('z');
      await cache.zAdd(
        key,
        Array.from({ length: 10 }, (_, i) => ({ member: `m${i}`, score: i })),
      );
      await cache.zTrimTop(key, 3);
      expect((await cache.zRevRange(key, 0, -1)).map((e) => e.member)).toEqual(['m9', 'm8', 'm7']);
      await cache.zTrimTop(key, 5);
      expect((await cache.zRevRange(key, 0, -1)).map((e) => e.member)).toEqual(['m9', 'm8', 'm7']);
      await cache.zTrimTop(key, 0);
      expect(await cache.zRevRange(key, 0, -1)).toEqual([]);
      await expect(cache.zTrimTop(k('z'), 2)).resolves.toBeUndefined();
      await expect(cache.zTrimTop(key, -1)).rejects.toThrow(/zTrimTop/);
    });

    it('refuses an operation on a key of another type with WRONGTYPE', async () => {
      const key = k('typed');
      await cache.sAdd(key, ['a']);
      await expect(cache.get(key)).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.incrBy(key, 1)).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.incrBy(key, 1, 60_000)).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.zAdd(key, [{ member: 'a', score: 1 }])).rejects.toThrow(/WRONGTYPE/);
      expect(await cache.mget([key])).toEqual([undefined]);
      const str = k('typed-str');
      await cache.set(str, 'text');
      await expect(cache.sAdd(str, ['a'], 60_000)).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.sAdd(str, ['a'])).rejects.toThrow(/WRONGTYPE/);
      await cache.set(key, 'now a string');
      expect(await cache.get(key)).toBe('now a string');
    });
  });
}
