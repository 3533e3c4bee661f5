import { describe, expect, it } from 'vitest';
import { describeCacheContract } from './cache.contract.ts';
import type { MemoryCache } from './cache.memory.ts';
import { openCache } from './open.ts';

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

  it('rejects unknown or bad options', async () => {
    await expect(openCache('memory://?sweep=1')).rejects.toThrow(/unknown memory/);
    await expect(openCache('memory://?sweepMs=0')).rejects.toThrow(/sweepMs/);
  });

  it('rejects an unknown scheme', async () => {
    await expect(openCache('memcached://x')).rejects.toThrow(/unsupported scheme/);
  });
});
