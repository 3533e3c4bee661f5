import { afterAll } from 'vitest';
import { cleanupTestRedis, testRedisUrl } from '../core/testing/redis.ts';
import { describeFeatureStoreContract } from './feature-store.contract.ts';
import { openFeatureStore } from './open.ts';

const urls: string[] = [];
afterAll(async () => {
  for (const url of urls) await cleanupTestRedis(url);
});

describeFeatureStoreContract(
  'redis',
  () => {
    const url = testRedisUrl('feature-store');
    urls.push(url);
    return url;
  },
  openFeatureStore,
);
