import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTestRedis, testRedisUrl } from '../testing/redis.ts';
import { describeCacheContract } from './cache.contract.ts';
import type { RedisCache } from './cache.redis.ts';
import { openCache } from './open.ts';

const url = testRedisUrl('cache-redis');
afterAll(() => cleanupTestRedis(url));

describeCacheContract('redis', () => openCache(url));

describe('redis cache specifics', () => {
  it('stores every key under the URL prefix, and cleanup removes exactly those', async () => {
    const mine = testRedisUrl('cache-redis-prefix');
    const other = testRedisUrl('cache-redis-prefix');
    const a = (await openCache(mine)) as RedisCache;
    const b = await openCache(other);
    await a.set('shared-name', 'a');
    await a.sAdd('s', ['x']);
    await a.zAdd('z', [{ member: 'm', score: 1 }]);
    await b.set('shared-name', 'b');
    expect(await a.get('shared-name')).toBe('a');
    expect(await b.get('shared-name')).toBe('b');

    const raw = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await raw.connect();
    expect(a.prefix).toMatch(/^test:cache-redis-prefix:[0-9a-f]+:$/);
    expect((await raw.keys(`${a.prefix}*`)).sort()).toEqual([`${a.prefix}s`, `${a.prefix}shared-name`, `${a.prefix}z`]);
    expect(await cleanupTestRedis(mine)).toBe(3);
    expect(await raw.keys(`${a.prefix}*`)).toEqual([]);
    expect(await b.get('shared-name')).toBe('b');
    raw.disconnect();
    await a.close();
    await b.close();
    await cleanupTestRedis(other);
  });

  it('fails to open with a clear error when Redis is unreachable', async () => {
    await expect(openCache('redis://127.0.0.1:1/0')).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('rejects unknown options and a bad database number, hiding the password', async () => {
    await expect(openCache('redis://:hunter2@127.0.0.1:6379/0?prefx=a')).rejects.toThrow(
      /unknown Redis URL option "prefx"/,
    );
    await expect(openCache('redis://:hunter2@127.0.0.1:6379/0?prefx=a')).rejects.not.toThrow(/hunter2/);
    await expect(openCache('redis://127.0.0.1:6379/abc')).rejects.toThrow(/not a database number/);
  });
});
