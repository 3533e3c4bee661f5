import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config/config.ts';
import type { EventLog } from '../../core/events/ports.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import type { JobQueue } from '../../core/queue/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';

/** Everything a route plugin may use: the opened ports, the frozen config and the process's telemetry. */
export interface AppDeps {
  config: Config;
  /** HMAC key for signed URLs and playback tokens. */
  secret: string;
  metadata: MetadataStore;
  objects: ObjectStore;
  events: EventLog;
  queue: JobQueue;
  cache: Cache;
  featureStore: FeatureStore;
  clock: Clock;
  /** The logger (a child per component), the metrics registry `/metrics` serves, the status board. */
  telemetry: Telemetry;
}
