/**
 * What the retrieval and ranking service processes share: config parsed once, the metadata store (the
 * model registry) and the object store (artifacts) opened, a fastify app listening on SERVICE_PORT, and
 * a drain on SIGTERM/SIGINT.
 */
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../core/clock.ts';
import { type Config, loadConfigOrExit } from '../../core/config/config.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { loadOrCreateSecret } from '../../core/secret.ts';
import { Telemetry } from '../../core/telemetry/telemetry.ts';

export interface ServiceDeps {
  config: Config;
  metadata: MetadataStore;
  objects: ObjectStore;
  telemetry: Telemetry;
}

/** A started service: its app, and what to stop before the stores close. */
export interface ServiceParts {
  app: FastifyInstance;
  stop(): Promise<void>;
}

/** Runs `build` over the opened stores, listens, prints `FORYOU_SERVICE_LISTENING <address>` and drains on a signal. */
export async function runService(name: string, build: (deps: ServiceDeps) => Promise<ServiceParts>): Promise<void> {
  const config = loadConfigOrExit();
  const telemetry = new Telemetry({ level: config.LOG_LEVEL });
  const log = telemetry.component(name).log;
  const metadata = await openMetadataStore(config.METADATA_URL);
  await metadata.migrate();
  const objects = await openObjectStore(config.OBJECTS_URL, {
    publicBaseUrl: config.PUBLIC_BASE_URL,
    secret: loadOrCreateSecret(config),
    clock: systemClock,
  });
  const parts = await build({ config, metadata, objects, telemetry });
  const address = await parts.app.listen({ host: config.HOST, port: config.SERVICE_PORT });
  log.info({ address }, `${name} listening on ${address}`);
  process.stdout.write(`FORYOU_SERVICE_LISTENING ${address}\n`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
    await parts.app.close();
    await parts.stop();
    await objects.close();
    await metadata.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}
