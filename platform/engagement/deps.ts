import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import type { EventLog } from '../../core/events/ports.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { VideoCounters } from './counters.ts';

/** The ports every engagement service receives. */
export interface EngagementDeps {
  metadata: MetadataStore;
  events: EventLog;
  cache: Cache;
  clock: Clock;
  counters: VideoCounters;
}
