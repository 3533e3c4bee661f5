import { openByScheme } from '../open-by-url.ts';
import { openKafkaEventLog } from './events.kafka.ts';
import { openSqliteEventLog } from './events.sqlite.ts';
import type { EventLog } from './ports.ts';

/** Options that cannot live in a URL. */
export interface OpenEventLogOptions {
  /** Told about client errors the backend recovers from by itself (reconnects, rebalances). */
  onError?: (err: unknown) => void;
}

/**
 * Opens the event log a URL names: `sqlite://./data/events.db` (embedded, one partition per topic) or
 * `kafka://host1:9092,host2:9092?clientId=foryou&partitions=3&replication=1`.
 */
export function openEventLog(url: string, options: OpenEventLogOptions = {}): Promise<EventLog> {
  // A broker list is not a WHATWG URL host, so Kafka URLs are parsed by their backend from the string.
  if (/^kafka:\/\//i.test(url)) return openKafkaEventLog(url, options);
  return openByScheme('EventLog', url, {
    'sqlite:': (u) => openSqliteEventLog(u),
    'kafka:': (u) => openKafkaEventLog(u.href, options),
  });
}
