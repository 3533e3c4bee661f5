import { openByScheme } from '../open-by-url.ts';
import type { JobQueue } from './ports.ts';
import { openSqliteQueue } from './queue.sqlite.ts';

/**
 * Opens the job queue a URL names: `sqlite://./data/queue.db` (embedded, several processes may share
 * the file) or `redis://host:6379/0?prefix=foryou` / `rediss://…` (BullMQ).
 */
export function openJobQueue(url: string): Promise<JobQueue> {
  return openByScheme<JobQueue>('JobQueue', url, {
    'sqlite:': openSqliteQueue,
    // Loaded on demand so the embedded setup never pulls in BullMQ and ioredis.
    'redis:': async (u) => (await import('./queue.bullmq.ts')).openBullmqQueue(u),
    'rediss:': async (u) => (await import('./queue.bullmq.ts')).openBullmqQueue(u),
  });
}
