import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import { openJobQueue } from '../../core/queue/open.ts';
import { waitFor } from '../../core/testing/wait-for.ts';
import { startTrainerWorker, TRAIN_QUEUE } from './worker.ts';

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

describe('trainer worker on BullMQ', () => {
  it('runs the current slot once and keeps the next one delayed, as on the embedded queue', async () => {
    const queue = await openJobQueue(url);
    const slots: number[] = [];
    const worker = await startTrainerWorker({
      queue,
      everyMs: 3_600_000,
      cycle: async (job) => {
        slots.push(job.data.slot);
        return job.data.slot;
      },
    });
    try {
      await waitFor('the first cycle', () => slots.length === 1);
      const again = await startTrainerWorker({ queue, everyMs: 3_600_000, cycle: async () => 0 });
      expect(again.enqueued).toBe(worker.enqueued);
      await again.close();
      await waitFor('the next slot scheduled', async () => (await queue.counts(TRAIN_QUEUE)).delayed === 1);
      expect(slots).toEqual([Math.floor(Date.now() / 3_600_000)]);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
