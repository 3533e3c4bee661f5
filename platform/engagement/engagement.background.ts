import type { FeatureStore } from '../../feature-store/ports.ts';
import type { BackgroundService } from '../api/background-service.ts';
import { featuresConsumer } from './consumers/features.consumer.ts';
import { startConsumer } from './consumers/runner.ts';
import { viewsConsumer } from './consumers/views.consumer.ts';
import { VideoCounters } from './counters.ts';

/**
 * The engagement workers: the views consumer, the feature consumer (into `featureStore`) and the
 * counter write-behind, which flushes changed videos every `flushMs` and once more on stop. Each tick it
 * also applies the counter outbox rows a killed process left unapplied, and, when the cache lost the
 * counters (at start for the in-process cache, or a Redis restart), recounts the videos engaged with
 * since shortly before the last flush from the records.
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
        // A cache that lost the counters is recounted from the records; then the outbox rows a killed
        // process left unapplied (older than a flush period: the others are still being applied) are.
        const recover = async (before: number) => {
          const n = await counters.recoverIfLost(2 * flushMs, before);
          if (n !== undefined)
            log.log.info({ videos: n }, 'the cache had lost the counters: recounted from the records');
        };
        const sweep = async () => {
          const before = deps.clock.now() - flushMs;
          await recover(before);
          const n = { rows: 0, applied: 0 };
          for (let k = { rows: 500, applied: 0 }; k.rows === 500; ) {
            k = await counters.applyPending(before);
            n.rows += k.rows;
            n.applied += k.applied;
          }
          if (n.applied > 0) log.log.warn(n, 'counter changes a stopped process had not applied are applied');
          else if (n.rows > 0) log.log.info(n, 'applied counter changes a stopped process had not deleted are deleted');
        };
        let running: Promise<unknown> = recover(deps.clock.now()).catch((err) =>
          log.failed(err, 'recounting the counters at start failed; the next tick tries again'),
        );
        const timer = setInterval(() => {
          running = running
            .then(() =>
              sweep().catch((err) =>
                log.failed(err, 'applying the counter outbox failed; its rows stay for the next tick'),
              ),
            )
            .then(flushAll)
            .catch((err) => {
              log.failed(err, 'counter flush failed; the videos stay dirty and the next tick retries them');
            });
        }, flushMs);
        return {
          async stop() {
            clearInterval(timer);
            await running;
            await counters.forgetApplied();
            await flushAll();
          },
        };
      },
    },
  ];
}
