import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';

/** Something `/readyz` asks; it throws when its backend cannot answer. */
export type ReadinessCheck = { name: string; ping: () => Promise<void> };

const backendStatus = z.object({ name: z.string(), ok: z.boolean(), ms: z.number(), error: z.string().optional() });
const readyBody = z.object({
  status: z.enum(['ready', 'not_ready', 'shutting_down']),
  backends: z.array(backendStatus),
});

async function check(c: ReadinessCheck, timeoutMs: number): Promise<z.infer<typeof backendStatus>> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: c.name, ok: true, ms: Math.round(performance.now() - start) };
  } catch (err) {
    return { name: c.name, ok: false, ms: Math.round(performance.now() - start), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`: the process is up. `/readyz`: every backend answers, and we are not shutting down. */
export function healthRoutes(checks: readonly ReadinessCheck[], isShuttingDown: () => boolean): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['ops'], response: { 200: z.object({ status: z.literal('ok') }) } } },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      { schema: { tags: ['ops'], response: { 200: readyBody, 503: readyBody } } },
      async (_req, reply) => {
        const backends = await Promise.all(checks.map((c) => check(c, 2000)));
        const status = isShuttingDown() ? 'shutting_down' : backends.every((b) => b.ok) ? 'ready' : 'not_ready';
        return reply.status(status === 'ready' ? 200 : 503).send({ status, backends });
      },
    );
  };
}
