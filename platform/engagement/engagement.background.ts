import type { FeatureStore } from '../../feature-store/ports.ts';
import type { BackgroundService } from '../api/background-service.ts';
import { featuresConsumer } from './consumers/features.consumer.ts';
import { startConsumer } from './consumers/runner.ts';
import { viewsConsumer } from './consumers/views.consumer.ts';
import { VideoCounters } from './counters.ts';

/**
 * The engagement workers: the views consumer, the feature consumer (into `featureStore`) and the
 * counter write-behind, which flushes changed videos every `flushMs` and once more on stop. On start
 * it recounts the videos engaged with since shortly before the last flush, so increments a crash
 * (kill -9, a lost in-memory cache) took before they were flushed are restored from the records.
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
        const flushMs = opts.flushMs ?? 5_000;
        const flushAll = async () => {
          while ((await counters.flush()) > 0) {}
        };
        let running: Promise<unknown> = (async () => {
          const since = Math.max(0, (await counters.lastFlushAt()) - 2 * flushMs);
          const n = await counters.reconcileSince(since);
          log.log.info({ videos: n, since }, 'counters recounted from the records since the last flush');
        })().catch((err) => log.failed(err, 'recounting the counters at start failed; they stay as flushed'));
        const timer = setInterval(() => {
          running = running.then(flushAll).catch((err) => {
            log.failed(err, 'counter flush failed; the videos stay dirty and the next tick retries them');
          });
        }, flushMs);
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
