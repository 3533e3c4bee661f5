import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { apiAreas } from './areas.ts';
import { authRoutes, installAuthHook, installBanGuard } from './auth/auth.routes.ts';
import { authService } from './auth/auth.service.ts';
import type { AppDeps } from './deps.ts';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './error-handler.ts';
import { healthRoutes } from './health.routes.ts';
import { installLoadShedding } from './load-shedding.ts';
import { installMetrics, installScrapeGauges, isMetricsBearer } from './metrics.ts';
import { documentMultipartBodies } from './openapi-transform.ts';
import { WATCHED_QUEUES } from './ops-status.ts';
import { installRateLimits, windowCounters } from './rate-limit.ts';
import { requestIdFrom } from './request-id.ts';

/** Options for tests and the server. */
export interface BuildAppOptions {
  /** Log every request and response (the server does; tests leave it off). Errors are always logged. */
  logRequests?: boolean;
  /** Areas (by name) to leave out, for tests that mount one themselves with their own runtime. */
  skipAreas?: readonly string[];
}

/** The app and the switch `server.ts` flips when it starts draining. */
export interface BuiltApp {
  app: FastifyInstance;
  /** Every route registered, for the malformed-input table test and docs. */
  routes: readonly { method: string; url: string }[];
  beginShutdown(): void;
}

/**
 * Wires the HTTP API from opened ports. Does not listen: `server.ts` does, tests use `app.inject()`.
 * Order matters: load shedding → request id → auth (sets request.user) → rate limits → ban guard → the
 * area's handler.
 */
export async function buildApp(deps: AppDeps, opts: BuildAppOptions = {}): Promise<BuiltApp> {
  let shuttingDown = false;
  const app = Fastify({
    // The telemetry's logger at LOG_LEVEL, so request logs and 5xx errors are lines like every other.
    loggerInstance: deps.telemetry.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !opts.logRequests }),
    genReqId: requestIdFrom,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    trustProxy: deps.config.NODE_ENV === 'production' ? 'loopback' : false,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  // First of all hooks: a shed request costs no auth lookup and no backend call.
  installLoadShedding(app, deps.config.API_MAX_IN_FLIGHT, deps.telemetry);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While draining, every response closes its connection, so keep-alive clients cannot hold the
  // server open after their in-flight requests finish.
  app.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) reply.header('connection', 'close');
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'foryou API', version: '1', description: 'Short-video platform with a For You feed.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: documentMultipartBodies,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  installMetrics(app, deps.telemetry, deps.config.METRICS_TOKEN);
  installScrapeGauges(deps.telemetry, {
    events: deps.events,
    queue: deps.queue,
    queues: WATCHED_QUEUES,
    cache: deps.cache,
  });
  const rateLimit = deps.telemetry.component('rate-limit');
  const onUncounted = (err: unknown) =>
    rateLimit.failed(err, 'rate-limit counters unavailable; a read served uncounted (writes are refused)');
  const auth = authService({
    metadata: deps.metadata,
    cache: deps.cache,
    clock: deps.clock,
    sessionTtlS: deps.config.SESSION_TTL_S,
    adminHandles: deps.config.ADMIN_HANDLES,
    loginFailuresPerAccount: deps.config.LOGIN_FAILURES_PER_ACCOUNT,
    loginFailuresPerIp: deps.config.LOGIN_FAILURES_PER_IP,
  });
  installAuthHook(app, auth, windowCounters(deps.cache, deps.clock), deps.config.INVALID_TOKENS_PER_IP_PER_MIN, {
    // The scraper's METRICS_TOKEN is not a session: /metrics checks it itself.
    skip: (request) =>
      request.routeOptions.url === '/metrics' &&
      isMetricsBearer(request.headers.authorization, deps.config.METRICS_TOKEN),
    onUncounted,
  });
  installRateLimits(
    app,
    deps.cache,
    deps.clock,
    {
      perUserPerMin: deps.config.RATE_LIMIT_USER_PER_MIN,
      perIpPerMin: deps.config.RATE_LIMIT_IP_PER_MIN,
      authPerIpPerMin: deps.config.RATE_LIMIT_AUTH_PER_MIN,
      registrationsPerIpPerHour: deps.config.REGISTRATIONS_PER_IP_PER_HOUR,
      uploadsPerUserPerMin: deps.config.UPLOADS_PER_USER_PER_MIN,
      uploadsPerUserPerDay: deps.config.UPLOADS_PER_USER_PER_DAY,
      reportsPerUserPerHour: deps.config.REPORTS_PER_USER_PER_HOUR,
    },
    onUncounted,
  );
  installBanGuard(app);

  const checks = [
    { name: 'metadata', ping: () => deps.metadata.ping() },
    { name: 'objects', ping: () => deps.objects.ping() },
    { name: 'events', ping: () => deps.events.ping() },
    { name: 'queue', ping: () => deps.queue.ping() },
    { name: 'cache', ping: () => deps.cache.ping() },
  ];
  await app.register(healthRoutes(checks, () => shuttingDown));
  await app.register(authRoutes(auth), { prefix: '/api/v1' });
  for (const area of apiAreas) {
    if (!opts.skipAreas?.includes(area.name)) await app.register(area.plugin(deps), { prefix: area.prefix });
  }

  return {
    app,
    routes,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}
