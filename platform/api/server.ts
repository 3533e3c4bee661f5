import { loadConfigOrExit } from '../../core/config/config.ts';
import { buildApp } from './app.ts';
import { backgroundServices } from './background.ts';
import { closeDeps, openDeps } from './open-deps.ts';

/**
 * The process entry: parse config once, open ports, start embedded workers, listen, and on
 * SIGTERM/SIGINT drain — stop accepting, finish in-flight requests, stop consumers, close ports.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const deps = await openDeps(config);
  const { app, beginShutdown } = await buildApp(deps, { logRequests: true });
  const log = deps.telemetry.component('server').log;
  const running: { name: string; stop(): Promise<void> }[] = [];
  if (config.EMBEDDED_WORKERS) {
    for (const s of backgroundServices(deps)) {
      // Keep the handle itself: a class instance's stop() lives on its prototype, which a spread drops.
      const handle = await s.start(deps);
      running.push({ name: s.name, stop: () => handle.stop() });
    }
  }
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  log.info({ services: running.map((r) => r.name), address }, `foryou listening on ${address}`);
  // One plain line for scripts and tests that start the server with PORT=0.
  process.stdout.write(`FORYOU_LISTENING ${address}\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'draining');
    beginShutdown();
    const force = setTimeout(() => {
      log.error('drain timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    force.unref();
    // Connections busy when close() began become idle later; close those as they free up.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(sweep);
    log.info('http server closed');
    for (const r of running.reverse()) {
      await r.stop().catch((err) => log.error({ err }, `${r.name} stop failed`));
      log.info(`${r.name} stopped`);
    }
    await closeDeps(deps).catch((err) => log.error({ err }, 'closing ports failed'));
    log.info('ports closed; bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`foryou failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
