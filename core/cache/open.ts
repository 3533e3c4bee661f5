import { openByScheme } from '../open-by-url.ts';
import { MemoryCache } from './cache.memory.ts';
import { openRedisCache } from './cache.redis.ts';
import type { Cache } from './ports.ts';

/** Opens the cache named by `url`: `memory://` or `redis[s]://host:port/db?prefix=…`. */
export function openCache(url: string): Promise<Cache> {
  return openByScheme<Cache>('Cache', url, {
    'memory:': openMemoryCache,
    'redis:': openRedisCache,
    'rediss:': openRedisCache,
  });
}

const MEMORY_OPTIONS = { sweepMs: ' of milliseconds', maxKeys: '', maxMembers: '' } as const;

/**
 * Opens `memory://`, optionally `memory://?sweepMs=1000&maxKeys=50000&maxMembers=500000`: how often
 * expired keys are swept, and how many keys with a TTL (and what they weigh: a string 1, a collection
 * its members) are held before the least recently used is evicted (MemoryCache's defaults when absent).
 */
export async function openMemoryCache(url: URL): Promise<MemoryCache> {
  const opts: { sweepMs?: number; maxKeys?: number; maxMembers?: number } = {};
  for (const [name, raw] of url.searchParams) {
    if (!Object.hasOwn(MEMORY_OPTIONS, name)) {
      throw new Error(`Cache: unknown memory:// option "${name}" (supported: sweepMs, maxKeys, maxMembers)`);
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      const unit = MEMORY_OPTIONS[name as keyof typeof MEMORY_OPTIONS];
      throw new Error(`Cache: ${name} must be a positive integer${unit}, got "${raw}"`);
    }
    opts[name as keyof typeof opts] = n;
  }
  return new MemoryCache(opts);
}
