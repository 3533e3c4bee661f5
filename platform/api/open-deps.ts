import { openCache } from '../../core/cache/open.ts';
import { systemClock } from '../../core/clock.ts';
import type { Config } from '../../core/config/config.ts';
import { openEventLog } from '../../core/events/open.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import { openJobQueue } from '../../core/queue/open.ts';
import { loadOrCreateSecret } from '../../core/secret.ts';
import { openFeatureStore } from '../../feature-store/open.ts';
import type { AppDeps } from './deps.ts';

/** Opens every port named by the config's URLs and applies migrations. */
export async function openDeps(config: Config): Promise<AppDeps> {
  const secret = loadOrCreateSecret(config);
  const metadata = await openMetadataStore(config.METADATA_URL);
  await metadata.migrate();
  const [objects, events, queue, cache, featureStore] = await Promise.all([
    openObjectStore(config.OBJECTS_URL, { publicBaseUrl: config.PUBLIC_BASE_URL, secret }),
    openEventLog(config.EVENTS_URL),
    openJobQueue(config.QUEUE_URL),
    openCache(config.CACHE_URL),
    openFeatureStore(config.FEATURES_URL),
  ]);
  return { config, secret, metadata, objects, events, queue, cache, featureStore, clock: systemClock };
}

/** Closes every port; errors are collected so one failing close does not leak the others. */
export async function closeDeps(deps: AppDeps): Promise<void> {
  const results = await Promise.allSettled([
    deps.events.close(),
    deps.queue.close(),
    deps.cache.close(),
    deps.objects.close(),
    deps.featureStore.close(),
  ]);
  await deps.metadata.close();
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length)
    throw new AggregateError(
      failed.map((f) => (f as PromiseRejectedResult).reason),
      'close failed',
    );
}
