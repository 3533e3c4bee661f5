/**
 * The retrieval service process (`npm run service:retrieval`): the serving ANN index, its model
 * watcher, the maintainer adding uploads to it from the catalogue, the neighbour table, over HTTP on
 * SERVICE_PORT. API processes reach it with RETRIEVAL_URL=http://host:port.
 */
import { systemClock } from '../../core/clock.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import { InProcessRetrieval } from '../../retrieval/service/retrieval.in-process.ts';
import { retrievalApp } from './retrieval.app.ts';
import { runService } from './service-process.ts';

await runService('retrieval-service', async ({ metadata, objects, telemetry }) => {
  const catalog = new Catalog();
  await catalog
    .load(metadata)
    .catch((err) => telemetry.component('retrieval-service').failed(err, 'first catalogue load failed; retried'));
  catalog.start(metadata, systemClock, { refreshMs: 2_000, telemetry });
  const retrieval = new InProcessRetrieval({ metadata, objects, catalog, telemetry });
  await retrieval.start();
  return {
    app: retrievalApp(retrieval, retrieval.holder),
    async stop() {
      catalog.stop();
      await retrieval.close();
    },
  };
});
