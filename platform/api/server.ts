import cluster from 'node:cluster';
import { type Config, loadConfigOrExit } from '../../core/config/config.ts';
import { buildApp } from './app.ts';
import { backgroundServices } from './background.ts';
import { applyHeapGrowth } from './heap.ts';
import { closeDeps, openDeps } from './open-deps.ts';

/**
 * The process entry: parse config once, open ports, start embedded workers, listen, and on
 * SIGTERM/SIGINT drain — stop accepting, finish in-flight requests, stop consumers, close ports.
 * With API_PROCESSES > 1 this process becomes the primary of a node cluster: it runs the embedded
 * workers itself and forks that many API processes, which share one listening socket.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  applyHeapGrowth(config.API_HEAP_GROWING_PERCENT);
  if (config.API_PROCESSES > 1 && cluster.isPrimary) return primary(config);
  const deps = await openDeps(config);
  const { app, beginShutdown } = await buildApp(deps, { logRequests: true });
  const log = deps.telemetry.component('server').log;
  // In a cluster the primary runs the background services, once for the node.
  const running = config.EMBEDDED_WORKERS && cluster.isPrimary ? await startBackground(deps) : [];
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  log.info({ services: running.map((r) => r.name), address }, `foryou listening on ${address}`);
  // One plain line for scripts and tests that start the server with PORT=0 (the primary prints it in a cluster).
  if (cluster.isPrimary) process.stdout.write(`FORYOU_LISTENING ${address}\n`);
  else process.send?.({ listening: address });

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
    await stopAndExit(running, deps, log);
  };
  onSignals(shutdown);
}

/**
 * The cluster's primary: opens the ports (running migrations before any API process starts), runs the
 * embedded workers, forks `API_PROCESSES` API processes and replaces one that dies. On SIGTERM/SIGINT it
 * drains them all (each finishes its in-flight requests), then stops its services and exits.
 */
async function primary(config: Config): Promise<void> {
  const deps = await openDeps(config);
  const log = deps.telemetry.component('server').log;
  const running = config.EMBEDDED_WORKERS ? await startBackground(deps) : [];
  let closing = false;
  let announced = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: { listening?: string }) => {
      if (m.listening && !announced) {
        announced = true;
        log.info(
          { processes: config.API_PROCESSES, services: running.map((r) => r.name) },
          `foryou listening on ${m.listening}`,
        );
        process.stdout.write(`FORYOU_LISTENING ${m.listening}\n`);
      }
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (closing) return;
    log.error({ pid: worker.process.pid, code, signal }, 'an API process died; starting another');
    fork();
  });
  for (let i = 0; i < config.API_PROCESSES; i++) fork();

  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'draining');
    const force = setTimeout(() => {
      log.error('drain timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 1_000);
    force.unref();
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    log.info('http server closed');
    await stopAndExit(running, deps, log);
  };
  onSignals(shutdown);
}

type Running = { name: string; stop(): Promise<void> };
type Deps = Awaited<ReturnType<typeof openDeps>>;

async function startBackground(deps: Deps): Promise<Running[]> {
  const running: Running[] = [];
  for (const s of backgroundServices(deps)) {
    // Keep the handle itself: a class instance's stop() lives on its prototype, which a spread drops.
    const handle = await s.start(deps);
    running.push({ name: s.name, stop: () => handle.stop() });
  }
  return running;
}

/** The end of every drain: stop the background services newest first, close the ports, exit 0. */
async function stopAndExit(
  running: Running[],
  deps: Deps,
  log: ReturnType<Deps['telemetry']['component']>['log'],
): Promise<never> {
  for (const r of running.reverse()) {
    await r.stop().catch((err) => log.error({ err }, `${r.name} stop failed`));
    log.info(`${r.name} stopped`);
  }
  await closeDeps(deps).catch((err) => log.error({ err }, 'closing ports failed'));
  log.info('ports closed; bye');
  process.exit(0);
}

function onSignals(shutdown: (signal: string) => Promise<void>): void {
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`foryou failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
