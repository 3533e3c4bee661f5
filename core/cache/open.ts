import { openByScheme } from '../open-by-url.ts';
import { openMemoryCache } from './cache.memory.ts';
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
