/**
 * A minimal fastify app around the engagement routes for `inject()` tests: the zod compilers, the
 * API's error handling, and a stub auth hook that trusts an `x-test-user` header (auth itself is
 * tested with the API; here only the routes' behaviour per caller matters).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { testConfig } from '../../../core/config/config.ts';
import { Telemetry } from '../../../core/telemetry/telemetry.ts';
import type { AppDeps } from '../../api/deps.ts';
import { installErrorHandling } from '../../api/error-handler.ts';
import type { EngagementDeps } from '../deps.ts';
import { engagementRoutes } from '../engagement.routes.ts';

/** Builds the app on engagement ports, mounted under `/api/v1` like the real one. */
export async function buildTestApp(f: EngagementDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async (request) => {
    const id = request.headers['x-test-user'];
    if (typeof id === 'string') request.user = { id, handle: id, role: 'user' };
  });
  // Only the ports these routes use are real; the rest would throw if touched.
  const telemetry = new Telemetry({ level: 'silent', processMetrics: false });
  const deps = { ...f, config: testConfig(), secret: 'x'.repeat(32), telemetry } as unknown as AppDeps;
  await app.register(engagementRoutes({ ...deps, counters: f.counters }), { prefix: '/api/v1' });
  await app.ready();
  return app;
}
