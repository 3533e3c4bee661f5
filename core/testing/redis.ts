import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../cache/cache.redis.ts';

/**
 * A Redis URL whose key prefix (`test:<name>:<random>:`) belongs to one test file, so files running in
 * parallel never see each other's keys. TEST_REDIS_URL (e.g. `redis://host:6379/1`) overrides the server.
 */
export function testRedisUrl(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`testRedisUrl: name "${name}" may hold only letters, digits, _ . -`);
  const base = (process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/0').split('?')[0];
  return `${base}?prefix=test:${name}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the URL's prefix (what a test left behind); resolves with how many went. */
export async function cleanupTestRedis(url: string): Promise<number> {
  const opts = redisOptionsFromUrl(new URL(url));
  const prefix = opts.keyPrefix ?? '';
  if (!prefix.startsWith('test:')) throw new Error(`cleanupTestRedis: refusing to delete outside a test: prefix`);
  const redis = new Redis({
    ...opts,
    keyPrefix: '',
    // Commands wait for the lazy connection here.
    enableOfflineQueue: true,
  });
  redis.on('error', () => {});
  try {
    let deleted = 0;
    // The prefix is ours (`test:<name>:<hex>:`, no glob characters), so it is safe as a MATCH pattern.
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
