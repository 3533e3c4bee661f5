import { openByScheme } from '../open-by-url.ts';
import type { JobQueue } from './ports.ts';
import { openSqliteQueue } from './queue.sqlite.ts';

/** Options that cannot live in a URL. */
export interface OpenJobQueueOptions {
  /**
   * Told about failures the queue recovers from by itself (a claim that lost a lock race, a lease it
   * could not renew, a client reconnecting); a process warning by default.
   */
  onError?: (err: Error) => void;
}

const warn = (err: Error) => process.emitWarning(err.message);

/**
 * Opens the job queue a URL names: `sqlite://./data/queue.db` (embedded, several processes may share
 * the file) or `redis://host:6379/0?prefix=foryou` / `rediss://…` (BullMQ).
 */
export function openJobQueue(url: string, options: OpenJobQueueOptions = {}): Promise<JobQueue> {
  const onError = options.onError ?? warn;
  return openByScheme<JobQueue>('JobQueue', url, {
    'sqlite:': (u) => openSqliteQueue(u, onError),
    // Loaded on demand so the embedded setup never pulls in BullMQ and ioredis.
    'redis:': async (u) => (await import('./queue.bullmq.ts')).openBullmqQueue(u, onError),
    'rediss:': async (u) => (await import('./queue.bullmq.ts')).openBullmqQueue(u, onError),
  });
}
