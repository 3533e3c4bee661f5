import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EventLog } from '../../core/events/ports.ts';
import { ENGAGEMENT_GROUPS, ENGAGEMENT_TOPIC } from '../engagement/events.ts';

/** Prometheus metrics of one app: request counts and latencies by route, plus process metrics. */
export interface AppMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
}

/**
 * A registry per app (tests build many apps in one process); process metrics are collected once. With an
 * event log, each scrape also reports how far every engagement consumer group is behind the log end.
 */
export function createMetrics(events?: EventLog): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (events) {
    new Gauge({
      name: 'foryou_consumer_lag_events',
      help: 'Events appended to the engagement topic that a consumer group has not committed yet',
      labelNames: ['group'],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const ends = await events.endOffsets(ENGAGEMENT_TOPIC);
          for (const group of Object.values(ENGAGEMENT_GROUPS)) {
            const done = await events.committed(ENGAGEMENT_TOPIC, group);
            this.set(
              { group },
              ends.reduce((lag, end, p) => lag + Math.max(0, end - (done[p] ?? 0)), 0),
            );
          }
        } catch {
          // A log that cannot answer leaves the gauge empty; /readyz reports the outage.
        }
      },
    });
  }
  return {
    registry,
    requests: new Counter({
      name: 'foryou_http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'foryou_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

/** Times every request and serves `GET /metrics` in the Prometheus text format. */
export function installMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
