import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors/registry.ts';

/** Limits per fixed one-minute window. */
export interface RateLimits {
  perUserPerMin: number;
  perIpPerMin: number;
  /** Tighter budget per IP for register/login, against password guessing. */
  authPerIpPerMin: number;
}

const WINDOW_MS = 60_000;
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Fixed-window counters in the Cache (Redis when scaled, so every replica shares them). A request
 * over any budget gets 429 RATE_LIMITED with Retry-After; the ops routes are exempt.
 * @remarks Fixed windows allow up to 2× the budget across a window edge; fine for abuse control.
 */
export function installRateLimits(app: FastifyInstance, cache: Cache, clock: Clock, limits: RateLimits): void {
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const route = request.routeOptions.url ?? '';
    // Static client assets and CDN-cached media are not API calls; budgets protect the API.
    if (EXEMPT.has(route) || route === '/' || /^\/(docs|app|media)\//.test(route) || route === '/docs') return;
    const now = clock.now();
    const window = Math.floor(now / WINDOW_MS);
    const retryAfterS = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    const budgets: [string, number][] = [[`rl:ip:${request.ip}:${window}`, limits.perIpPerMin]];
    if (request.user) budgets.push([`rl:user:${request.user.id}:${window}`, limits.perUserPerMin]);
    if (route.startsWith('/api/v1/auth/')) budgets.push([`rl:auth:${request.ip}:${window}`, limits.authPerIpPerMin]);
    const counts = await Promise.all(budgets.map(([key]) => cache.incrBy(key, 1, WINDOW_MS + 1000)));
    const over = counts.findIndex((c, i) => c > budgets[i]![1]);
    if (over >= 0) {
      throw new AppError('RATE_LIMITED', undefined, { retry_after_s: retryAfterS, limit: budgets[over]![1] });
    }
  });
}
