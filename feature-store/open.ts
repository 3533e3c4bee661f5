import { openByScheme } from '../core/open-by-url.ts';
import { openRedisFeatureStore } from './feature-store.redis.ts';
import { openSqliteFeatureStore } from './feature-store.sqlite.ts';
import type { FeatureStore } from './ports.ts';

const backends = {
  'sqlite:': (u: URL) => openSqliteFeatureStore(u),
  'redis:': (u: URL) => openRedisFeatureStore(u),
} as const;

/** Opens the feature store a URL names: `sqlite://./data/features.db`, `sqlite://:memory:`, `redis://host:6379/0?prefix=x:`. */
export function openFeatureStore(url: string): Promise<FeatureStore> {
  return openByScheme('FeatureStore', url === 'sqlite://:memory:' ? 'sqlite::memory:' : url, backends);
}
