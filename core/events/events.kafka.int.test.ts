import { describe, expect, it } from 'vitest';
import { describeEventLogContract } from './events.contract.ts';
import { parseKafkaUrl } from './events.kafka.url.ts';
import { openEventLog } from './open.ts';

const base = process.env.TEST_KAFKA_URL;
if (!base)
  throw new Error('TEST_KAFKA_URL is not set: the kafka test server (core/testing/kafka.server.ts) did not start');

// The mock broker holds a new group's first join for 3 s (like Kafka's group.initial.rebalance.delay.ms) and a
// rejoin after the last member left for sessionTimeout - 1 s; the JoinGroup request (rebalanceTimeout) must
// outlast both. The rest only makes failures and fetches fast.
const url =
  `${base}?clientId=foryou-test&sessionTimeout=4000&rebalanceTimeout=8000&heartbeatInterval=500` +
  '&metadataMaxAge=5000&maxWaitTime=100&retries=3&initialRetryTime=100';

describeEventLogContract('kafka', () => openEventLog(url), { deliveryTimeoutMs: 20_000 });

describe('kafka URL', () => {
  it('parses a broker list and tuning parameters', () => {
    const s = parseKafkaUrl('kafka://h1:9092,h2:9093?clientId=x&partitions=6&replication=2&idempotent=false');
    expect(s).toMatchObject({
      brokers: ['h1:9092', 'h2:9093'],
      clientId: 'x',
      partitions: 6,
      replication: 2,
      idempotent: false,
    });
  });

  it('rejects a missing port, an unknown parameter and a bad number', () => {
    expect(() => parseKafkaUrl('kafka://h1')).toThrow(/host:port/);
    expect(() => parseKafkaUrl('kafka://h1:9092?partition=3')).toThrow(/unknown kafka URL param "partition"/);
    expect(() => parseKafkaUrl('kafka://h1:9092?partitions=0')).toThrow(/partitions=0/);
  });

  it('names the supported schemes for an unknown one', async () => {
    await expect(openEventLog('redis://127.0.0.1:6379')).rejects.toThrow(/sqlite:, kafka:/);
  });
});
