/** Everything a `kafka://` URL can say; numbers are milliseconds unless named otherwise. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Partitions and replication factor of topics this log creates. */
  partitions: number;
  replication: number;
  /** `auto` turns idempotence on when the cluster names a controller (KafkaJS needs one for it). */
  idempotent: 'auto' | boolean;
  sessionTimeout: number;
  rebalanceTimeout: number;
  heartbeatInterval: number;
  metadataMaxAge: number;
  /** How long a fetch waits on the broker for new data. */
  maxWaitTime: number;
  /** How many partitions' batches one subscriber hands to its handler at once (each partition stays in order). */
  partitionsConsumedConcurrently: number;
  retries: number;
  initialRetryTime: number;
  connectionTimeout: number;
  requestTimeout: number;
}

const DEFAULTS: Omit<KafkaSettings, 'brokers'> = {
  clientId: 'foryou',
  partitions: 3,
  replication: 1,
  idempotent: 'auto',
  sessionTimeout: 30_000,
  rebalanceTimeout: 60_000,
  heartbeatInterval: 3_000,
  metadataMaxAge: 300_000,
  maxWaitTime: 500,
  partitionsConsumedConcurrently: 3,
  retries: 5,
  initialRetryTime: 300,
  connectionTimeout: 3_000,
  requestTimeout: 30_000,
};

/**
 * Parses `kafka://host1:9092,host2:9092?clientId=foryou&partitions=3&replication=1` (a broker list is not a
 * WHATWG URL host, hence the hand parsing). Unknown parameters are rejected, so a typo cannot silently
 * fall back to a default.
 */
export function parseKafkaUrl(url: string): KafkaSettings {
  const m = /^kafka:\/\/([^/?#]+)\/?(?:\?([^#]*))?$/i.exec(url);
  if (!m) throw new TypeError(`EventLog: expected kafka://host:port[,host:port...][?params], got ${url}`);
  const brokers = m[1]!.split(',');
  for (const b of brokers) {
    if (!/^[^:,\s]+:\d{1,5}$/.test(b)) throw new TypeError(`EventLog: broker "${b}" in ${url} must be host:port`);
  }
  const out: KafkaSettings = { brokers, ...DEFAULTS };
  for (const [name, raw] of new URLSearchParams(m[2] ?? '')) {
    if (name === 'clientId') out.clientId = raw;
    else if (name === 'idempotent') {
      if (raw !== 'auto' && raw !== 'true' && raw !== 'false')
        throw new TypeError(`EventLog: idempotent=${raw} must be auto, true or false`);
      out.idempotent = raw === 'auto' ? 'auto' : raw === 'true';
    } else if (name in DEFAULTS && typeof DEFAULTS[name as keyof typeof DEFAULTS] === 'number') {
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || n < (name === 'retries' ? 0 : 1)) {
        throw new TypeError(`EventLog: kafka URL param ${name}=${raw} must be a positive integer`);
      }
      (out as unknown as Record<string, number>)[name] = n;
    } else {
      throw new TypeError(`EventLog: unknown kafka URL param "${name}"; known: ${Object.keys(DEFAULTS).join(', ')}`);
    }
  }
  return out;
}
