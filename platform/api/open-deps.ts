import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCache } from '../../core/cache/open.ts';
import { type Clock, simulatedClock, systemClock } from '../../core/clock.ts';
import type { Config } from '../../core/config/config.ts';
import { openEventLog } from '../../core/events/open.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import { openJobQueue } from '../../core/queue/open.ts';
import { loadOrCreateSecret } from '../../core/secret.ts';
import { Telemetry } from '../../core/telemetry/telemetry.ts';
import { openFeatureStore } from '../../feature-store/open.ts';
import { grantAdmins } from './auth/users.repo.ts';
import type { AppDeps } from './deps.ts';

/**
 * The simulated clock, its offset kept in DATA_DIR/sim-clock.json: a restarted platform carries on at
 * the simulated time it had reached instead of jumping back before the data it already holds.
 */
function persistedSimulatedClock(dataDir: string): Clock {
  const file = join(dataDir, 'sim-clock.json');
  let offsetMs = 0;
  if (existsSync(file))
    offsetMs = Number((JSON.parse(readFileSync(file, 'utf8')) as { offset_ms?: number }).offset_ms) || 0;
  return simulatedClock(systemClock, {
    offsetMs,
    onAdvance: (offset) => {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, JSON.stringify({ offset_ms: offset }));
    },
  });
}

/**
 * Opens every port named by the config's URLs, applies migrations and grants ADMIN_HANDLES the admin
 * role. The telemetry logs at LOG_LEVEL unless one is given (tests pass one that keeps its lines).
 */
export async function openDeps(config: Config, opts: { telemetry?: Telemetry } = {}): Promise<AppDeps> {
  const telemetry = opts.telemetry ?? new Telemetry({ level: config.LOG_LEVEL });
  const events = telemetry.component('events');
  const queueLog = telemetry.component('queue');
  const secret = loadOrCreateSecret(config);
  // One clock for the process: signed URLs are signed and checked against the same time.
  const clock = config.SIM_CLOCK ? persistedSimulatedClock(config.DATA_DIR) : systemClock;
  const metadata = await openMetadataStore(config.METADATA_URL);
  await metadata.migrate();
  const granted = await grantAdmins(metadata, config.ADMIN_HANDLES);
  if (granted > 0) telemetry.component('auth').log.info({ granted }, 'ADMIN_HANDLES: admin role granted');
  const [objects, eventLog, queue, cache, featureStore] = await Promise.all([
    openObjectStore(config.OBJECTS_URL, { publicBaseUrl: config.PUBLIC_BASE_URL, secret, clock }),
    // Client errors the backend recovers from by itself (reconnects, rebalances): logged and counted.
    openEventLog(config.EVENTS_URL, { onError: (err) => events.failed(err, 'event log client error') }),
    openJobQueue(config.QUEUE_URL, { onError: (err) => queueLog.failed(err, 'job queue error (retried)') }),
    openCache(config.CACHE_URL),
    openFeatureStore(config.FEATURES_URL),
  ]);
  return {
    config,
    secret,
    metadata,
    objects,
    events: eventLog,
    queue,
    cache,
    featureStore,
    clock,
    telemetry,
  };
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
