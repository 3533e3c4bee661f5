import { describe, expect, it } from 'vitest';
import { describeCacheContract } from './cache.contract.ts';
import type { MemoryCache } from './cache.memory.ts';
import { openCache } from './open.ts';
import { compareMembers } from './validate.ts';

describeCacheContract('memory', () => openCache('memory://'));

describe('memory cache specifics', () => {
  it('sweeps expired keys nobody reads again', async () => {
    const cache = (await openCache('memory://?sweepMs=20')) as MemoryCache;
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, 'v', 30);
    await cache.set('forever', 'v');
    expect(cache.size).toBe(101);
    await new Promise((r) => setTimeout(r, 150));
    expect(cache.size).toBe(1);
    await cache.close();
  });

  it('evicts the least recently used key with a TTL past maxKeys, and counts it', async () => {
    const cache = (await openCache('memory://?maxKeys=3')) as MemoryCache;
    await cache.set('a', '1', 60_000);
    await cache.set('b', '1', 60_000);
    await cache.set('c', '1', 60_000);
    await cache.get('a'); // a is used again: b is now the least recent
    await cache.set('d', '1', 60_000);
    expect(await cache.mget(['a', 'b', 'c', 'd'])).toEqual(['1', undefined, '1', '1']);
    expect(cache.stats()).toMatchObject({ keys: 3, volatileKeys: 3, evictions: 1 });
    await cache.close();
  });

  it('bounds what keys with a TTL weigh (a collection its members): the least recent goes first', async () => {
    const cache = (await openCache('memory://?maxMembers=10')) as MemoryCache;
    const ledger = (n: number) => Array.from({ length: n }, (_, i) => ({ member: `v${i}`, score: i }));
    await cache.zAdd('seen:a', ledger(4), 60_000);
    await cache.zAdd('seen:b', ledger(4), 60_000);
    await cache.set('marker', '1', 60_000);
    expect(cache.stats()).toMatchObject({ volatileKeys: 3, volatileMembers: 9, evictions: 0 });
    await cache.zRevRange('seen:a', 0, 0); // a is used again: b is now the least recent
    await cache.zAdd('seen:c', ledger(3), 60_000);
    expect(await cache.zRevRange('seen:b', 0, -1)).toEqual([]);
    expect((await cache.zRevRange('seen:a', 0, -1)).length).toBe(4);
    expect(cache.stats()).toMatchObject({ volatileKeys: 3, volatileMembers: 8, evictions: 1 });
    // Members removed or trimmed are counted off; a collection without a TTL weighs nothing.
    await cache.zTrimTop('seen:a', 1);
    await cache.zRem('seen:c', ['v0']);
    await cache.zAdd('ranked', ledger(50));
    expect(cache.stats()).toMatchObject({ volatileKeys: 3, volatileMembers: 4, evictions: 1 });
    // One collection heavier than the bound is kept alone rather than dropped as it is written.
    await cache.zAdd('seen:big', ledger(12), 60_000);
    expect((await cache.zRevRange('seen:big', 0, -1)).length).toBe(12);
    expect(cache.stats()).toMatchObject({ volatileKeys: 1, volatileMembers: 12 });
    await cache.close();
  });

  it('never evicts keys without a TTL (counters not flushed yet), however many there are', async () => {
    const cache = (await openCache('memory://?maxKeys=2')) as MemoryCache;
    for (let i = 0; i < 5; i++) await cache.incrBy(`counter${i}`, 1);
    await cache.zAdd('ranked', [{ score: 1, member: 'x' }]);
    for (let i = 0; i < 5; i++) await cache.setIfAbsent(`marker${i}`, '1', 60_000);
    expect(await cache.get('counter0')).toBe('1');
    expect(await cache.zRevRange('ranked', 0, -1)).toEqual([{ member: 'x', score: 1 }]);
    expect(cache.stats()).toMatchObject({ keys: 8, volatileKeys: 2, evictions: 3 });
    // A key that loses its TTL leaves the evictable set.
    await cache.set('marker4', 'kept');
    expect(cache.stats().volatileKeys).toBe(1);
    await cache.close();
  });

  it('sweeps a bounded batch per tick and resumes where it stopped', async () => {
    const cache = (await openCache('memory://?sweepMs=100000')) as MemoryCache;
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, 'v', 1);
    await new Promise((r) => setTimeout(r, 5));
    cache.sweep(4);
    expect(cache.size).toBe(6);
    cache.sweep(4);
    cache.sweep(4);
    expect(cache.size).toBe(0);
    expect(cache.stats().expired).toBe(10);
    await cache.close();
  });

  it('keeps a sorted set in ZREVRANGE order through adds, re-scores, removals and trims between reads', async () => {
    const cache = await openCache('memory://');
    const scores = new Map<string, number>();
    // Deterministic members and scores: equal scores (ties ordered by member bytes), non-ASCII members.
    const member = (i: number) => ['v', 'é', '\u{1F600}', '\uFFFD', 'a'][i % 5]! + String(i % 37);
    const expected = () =>
      [...scores]
        .map(([m, score]) => ({ member: m, score }))
        .sort((a, b) => b.score - a.score || Buffer.compare(Buffer.from(b.member), Buffer.from(a.member)));
    for (let step = 0; step < 120; step++) {
      const batch = Array.from({ length: 1 + (step % 7) }, (_, j) => ({
        member: member(step * 3 + j),
        score: (step * 7 + j) % 11,
      }));
      await cache.zAdd('z', batch, 60_000);
      for (const e of batch) scores.set(e.member, e.score);
      if (step % 5 === 0) {
        const gone = [member(step), member(step + 1)];
        await cache.zRem('z', gone);
        for (const g of gone) scores.delete(g);
      }
      if (step % 9 === 0) {
        await cache.zTrimTop('z', 20);
        for (const e of expected().slice(20)) scores.delete(e.member);
      }
      expect(await cache.zRevRange('z', 0, -1)).toEqual(expected());
    }
    await cache.close();
  });

  it('orders members by their UTF-8 bytes, surrogate pairs included', () => {
    const members = ['b', 'a', 'ab', '', '\uFFFD', '\u{1F600}', '\uE000', 'é', 'a\u{1F600}', 'a\uFFFD'];
    const bytes = [...members].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...members].sort(compareMembers)).toEqual(bytes);
  });

  it('rejects unknown or bad options', async () => {
    await expect(openCache('memory://?sweep=1')).rejects.toThrow(/unknown memory/);
    await expect(openCache('memory://?sweepMs=0')).rejects.toThrow(/sweepMs/);
    await expect(openCache('memory://?maxKeys=-1')).rejects.toThrow(/maxKeys/);
  });

  it('rejects an unknown scheme', async () => {
    await expect(openCache('memcached://x')).rejects.toThrow(/unsupported scheme/);
  });
});
