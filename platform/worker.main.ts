import { loadConfigOrExit } from '../core/config/config.ts';
import { backgroundServices } from './api/background.ts';
import { serveMetrics } from './api/metrics.ts';
import { closeDeps, openDeps } from './api/open-deps.ts';

/**
 * The worker process of the scaled mode: every background service (transcoding, event consumers,
 * counter flushes) without the HTTP API. Run as many as the load needs; jobs and consumer groups
 * spread the work between them.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const deps = await openDeps(config);
  const running: { name: string; stop(): Promise<void> }[] = [];
  for (const s of backgroundServices(deps)) {
    // Keep the handle itself: a class instance's stop() lives on its prototype, which a spread drops.
    const handle = await s.start(deps);
    running.push({ name: s.name, stop: () => handle.stop() });
  }
  const log = deps.telemetry.component('worker').log;
  const metrics =
    config.WORKER_METRICS_PORT > 0
      ? await serveMetrics(
          deps.telemetry,
          { host: config.HOST, port: config.WORKER_METRICS_PORT },
          config.METRICS_TOKEN,
        )
      : undefined;
  log.info({ services: running.map((r) => r.name), metrics: metrics ? metrics.address() : 'off' }, 'worker running');
  process.stdout.write(`foryou worker running: ${running.map((r) => r.name).join(', ') || '(no services)'}\n`);
  const shutdown = async () => {
    metrics?.close();
    for (const r of running.reverse()) {
      await r.stop().catch((err) => log.error({ err }, `${r.name} stop failed`));
    }
    await closeDeps(deps).catch((err) => log.error({ err }, 'closing ports failed'));
    log.info('ports closed; bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((err) => {
  process.stderr.write(`foryou worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
