import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { MemoryCache } from '../../core/cache/cache.memory.ts';
import type { Cache } from '../../core/cache/ports.ts';
import { AppError } from '../../core/errors/registry.ts';
import type { EventLog } from '../../core/events/ports.ts';
import type { JobQueue } from '../../core/queue/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import { consumerLag } from '../engagement/consumers/lag.ts';
import { hasRole } from './auth/roles.ts';

/** True when an `Authorization` header carries exactly `Bearer <token>`; constant time in the token. */
export function isMetricsBearer(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const given = createHash('sha256').update(header.slice(7)).digest();
  return timingSafeEqual(given, createHash('sha256').update(token).digest());
}

/**
 * Times every request (`foryou_http_*`) and serves `GET /metrics` from the telemetry's registry to
 * operators only: the METRICS_TOKEN bearer (a scraper) or a signed-in admin. Anyone else gets 401
 * (no credentials) or 403, since series names, routes and queue depths map the system for an attacker.
 */
export function installMetrics(app: FastifyInstance, telemetry: Telemetry, metricsToken?: string): void {
  const requests = telemetry.counter({
    name: 'foryou_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status'],
  });
  const latency = telemetry.histogram({
    name: 'foryou_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!isMetricsBearer(request.headers.authorization, metricsToken)) {
      if (!request.user) throw new AppError('UNAUTHENTICATED', 'Send the METRICS_TOKEN bearer or an admin session.');
      if (!hasRole(request.user.role, 'admin')) throw new AppError('FORBIDDEN', 'Metrics are for operators.');
    }
    reply.type(telemetry.registry.contentType);
    return telemetry.registry.metrics();
  });
}

/**
 * Gauges read when `/metrics` is scraped: consumer lag per engagement group, job counts per queue and
 * status, the serving ANN index and the loaded model versions (from the status board). A source that
 * cannot answer leaves its series empty and is logged and counted; the scrape still succeeds.
 */
export function installScrapeGauges(
  telemetry: Telemetry,
  sources: { events: EventLog; queue: JobQueue; queues: readonly string[]; cache?: Cache },
): void {
  const ops = telemetry.component('metrics');
  const { cache } = sources;
  if (cache instanceof MemoryCache) {
    // The in-process cache's bound (memory://?maxKeys&maxMembers): how full it is and what it dropped to stay within it.
    telemetry.gauge({
      name: 'foryou_cache_keys',
      help: 'Keys in the in-process cache, all of them and those with a TTL (the only ones it may evict)',
      labelNames: ['kind'],
      collect() {
        const s = cache.stats();
        this.set({ kind: 'all' }, s.keys);
        this.set({ kind: 'volatile' }, s.volatileKeys);
      },
    });
    telemetry.gauge({
      name: 'foryou_cache_volatile_members',
      help: 'What the in-process cache keys with a TTL weigh against maxMembers (a string 1, a collection its members)',
      collect() {
        this.set(cache.stats().volatileMembers);
      },
    });
    telemetry.counter({
      name: 'foryou_cache_evictions_total',
      help: 'Keys with a TTL the in-process cache evicted before their expiry to stay within maxKeys and maxMembers',
      collect() {
        this.reset();
        this.inc(cache.stats().evictions);
      },
    });
    telemetry.counter({
      name: 'foryou_cache_expired_total',
      help: 'Expired keys the in-process cache removed',
      collect() {
        this.reset();
        this.inc(cache.stats().expired);
      },
    });
  }
  telemetry.gauge({
    name: 'foryou_consumer_lag_events',
    help: 'Events appended to the engagement topic that a consumer group has not committed yet',
    labelNames: ['group'],
    async collect() {
      this.reset();
      try {
        for (const g of (await consumerLag(sources.events)).groups) this.set({ group: g.group }, g.lag);
      } catch (err) {
        ops.failed(err, 'consumer lag unavailable');
      }
    },
  });
  telemetry.gauge({
    name: 'foryou_queue_depth',
    help: 'Jobs per queue and status (completed and failed as long as the backend keeps them)',
    labelNames: ['queue', 'state'],
    async collect() {
      this.reset();
      for (const queue of sources.queues) {
        try {
          for (const [state, n] of Object.entries(await sources.queue.counts(queue))) this.set({ queue, state }, n);
        } catch (err) {
          ops.failed(err, 'queue depth unavailable', { queue });
        }
      }
    },
  });
  telemetry.gauge({
    name: 'foryou_ann_index_size',
    help: 'Vectors in the serving ANN index (absent while there is no index)',
    collect() {
      this.reset();
      const index = telemetry.status.index();
      if (index) this.set(index.size);
    },
  });
  telemetry.gauge({
    name: 'foryou_ann_index_age_seconds',
    help: 'Seconds since the serving ANN index was built (exported, for a trained model)',
    collect() {
      this.reset();
      const index = telemetry.status.index();
      if (index) this.set(Math.max(0, (Date.now() - index.builtAt) / 1000));
    },
  });
  telemetry.gauge({
    name: 'foryou_model_loaded_info',
    help: 'The model version each watcher has loaded (value 1; no series before the first load)',
    labelNames: ['name', 'version'],
    collect() {
      this.reset();
      for (const m of telemetry.status.models()) {
        if (m.loadedVersion !== null) this.set({ name: m.name, version: m.loadedVersion }, 1);
      }
    },
  });
}

/**
 * A bare `GET /metrics` listener for processes without the API (the worker): everything else is 404.
 * Resolves once listening, with the server (its address holds the port when `port` was 0).
 */
export async function serveMetrics(
  telemetry: Telemetry,
  at: { host: string; port: number },
  metricsToken?: string,
): Promise<Server> {
  const log = telemetry.component('metrics');
  const server = createServer((req, res) => {
    if (metricsToken && !isMetricsBearer(req.headers.authorization, metricsToken)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    telemetry.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(text),
      (err: unknown) => {
        log.failed(err, 'rendering /metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
