/**
 * The standalone transcode worker process: `node platform/media/worker.main.ts [--threads N]
 * [--preset veryfast] [--lease-ms 60000] [--jobs 1]`. Ports come from the config (METADATA_URL,
 * OBJECTS_URL, QUEUE_URL); SIGTERM/SIGINT stop taking jobs, let the running one finish, then close.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/clock.ts';
import { ConfigError, loadConfig } from '../../core/config/config.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import { openJobQueue } from '../../core/queue/open.ts';
import { loadOrCreateSecret } from '../../core/secret.ts';
import { transcodeConfigOptions } from './transcode.options.ts';
import { startTranscodeWorker } from './transcode.worker.ts';

const positiveInt = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${v}")`);
  return n;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string' },
      preset: { type: 'string' },
      'lease-ms': { type: 'string' },
      jobs: { type: 'string' },
    },
  });
  const config = loadConfig();
  const secret = loadOrCreateSecret(config);
  const metadata = await openMetadataStore(config.METADATA_URL);
  await metadata.migrate();
  const objects = await openObjectStore(config.OBJECTS_URL, { publicBaseUrl: config.PUBLIC_BASE_URL, secret });
  const queue = await openJobQueue(config.QUEUE_URL);
  const worker = startTranscodeWorker(
    { metadata, objects, queue, clock: systemClock },
    {
      ...transcodeConfigOptions(config),
      threads: positiveInt('threads', values.threads),
      preset: values.preset,
      leaseMs: positiveInt('lease-ms', values['lease-ms']),
      jobConcurrency: positiveInt('jobs', values.jobs),
    },
  );
  process.stdout.write('FORYOU_WORKER_READY\n');

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(1), Math.max(config.SHUTDOWN_GRACE_MS, 1000));
    force.unref();
    await worker.close();
    await Promise.allSettled([queue.close(), objects.close()]);
    await metadata.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((err) => {
  const text = err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err);
  process.stderr.write(`transcode worker failed to start: ${text}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
