import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { openJobQueue } from './open.ts';
import { describeJobQueueContract } from './queue.contract.ts';

const prefix = `foryou-test-${newId()}`;
const url = `redis://127.0.0.1:6379/0?prefix=${prefix}`;

afterAll(async () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, db: 0 });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

describeJobQueueContract('bullmq', () => openJobQueue(url), { url });

describe('bullmq queue URL', () => {
  it('is the bullmq backend', async () => {
    const q = await openJobQueue(url);
    expect(q.kind).toBe('bullmq');
    await q.close();
  });

  it('rejects unknown options and bad prefixes', async () => {
    await expect(openJobQueue('redis://127.0.0.1:6379/0?prefx=a')).rejects.toThrow(/unknown option "prefx"/);
    await expect(openJobQueue('redis://127.0.0.1:6379/0?prefix=a:b')).rejects.toThrow(/prefix/);
    await expect(openJobQueue('redis://127.0.0.1:6379/x')).rejects.toThrow(/database number/);
  });

  it('fails to open with a clear error when Redis is not there', async () => {
    await expect(openJobQueue('redis://127.0.0.1:1/0')).rejects.toThrow(/cannot reach Redis/);
  });
});
