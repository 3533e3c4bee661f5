import type { FeatureStore } from '../../feature-store/ports.ts';
import type { BackgroundService } from '../api/background-service.ts';
import { featuresConsumer } from './consumers/features.consumer.ts';
import { startConsumer } from './consumers/runner.ts';
import { viewsConsumer } from './consumers/views.consumer.ts';
import { VideoCounters } from './counters.ts';

/**
 * The engagement workers: the views consumer, the feature consumer (into `featureStore`) and the
 * counter write-behind, which flushes changed videos every `flushMs` and once more on stop.
 */
export function engagementBackground(opts: { featureStore: FeatureStore; flushMs?: number }): BackgroundService[] {
  return [
    {
      name: 'engagement-views',
      async start(deps) {
        return startConsumer(deps, viewsConsumer({ ...deps, counters: new VideoCounters(deps) }));
      },
    },
    {
      name: 'engagement-features',
      async start(deps) {
        return startConsumer(deps, featuresConsumer({ ...deps, featureStore: opts.featureStore }));
      },
    },
    {
      name: 'engagement-counter-flush',
      async start(deps) {
        const counters = new VideoCounters(deps);
        const log = deps.telemetry.component('counter-flush');
        let running: Promise<unknown> = Promise.resolve();
        const flushAll = async () => {
          while ((await counters.flush()) > 0) {}
        };
        const timer = setInterval(() => {
          running = running.then(flushAll).catch((err) => {
            log.failed(err, 'counter flush failed; the videos stay dirty and the next tick retries them');
          });
        }, opts.flushMs ?? 5_000);
        return {
          async stop() {
            clearInterval(timer);
            await running;
            await flushAll();
          },
        };
      },
    },
  ];
}
