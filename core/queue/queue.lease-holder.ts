/**
 * A worker process that claims jobs and never finishes them, for the contract suite to kill -9:
 * `node queue.lease-holder.ts <queue-url> <queue> <leaseMs> <concurrency>`. Prints one JSON line per job it starts.
 */
import { openJobQueue } from './open.ts';

const [url, queue, leaseMs, concurrency = '1'] = process.argv.slice(2);
if (!url || !queue || !leaseMs)
  throw new Error('usage: queue.lease-holder.ts <queue-url> <queue> <leaseMs> [concurrency]');
const jobs = await openJobQueue(url);
jobs.work(
  queue,
  async (job) => {
    process.stdout.write(`${JSON.stringify({ id: job.id, attempt: job.attempt })}\n`);
    // Never settles: the lease is held (and renewed) until this process is killed.
    await new Promise<never>(() => {});
  },
  { leaseMs: Number(leaseMs), concurrency: Number(concurrency) },
);
