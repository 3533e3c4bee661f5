import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { isBackendUnavailable } from '../../core/errors/backend-errors.ts';
import { AppError } from '../../core/errors/registry.ts';

/** Budgets per fixed window; every one a 429 RATE_LIMITED with Retry-After when spent. */
export interface RateLimits {
  perUserPerMin: number;
  perIpPerMin: number;
  /** Register/login attempts per IP, successful or not: NAT-safe; failures have their own budgets (auth service). */
  authPerIpPerMin: number;
  /** New accounts per IP per hour. */
  registrationsPerIpPerHour: number;
  /** Videos a user may create (signed-URL or direct upload) per minute and per day. */
  uploadsPerUserPerMin: number;
  uploadsPerUserPerDay: number;
  /** Reports a user may file per hour. */
  reportsPerUserPerHour: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
const UPLOAD_ROUTES = new Set(['/api/v1/videos', '/api/v1/videos/direct']);

/** One budget: at most `limit` hits on `key` per fixed window of `windowMs`. */
export interface Budget {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Fixed-window counters in the Cache (Redis when scaled, so every replica shares them): the one place
 * budgets are counted. `spend` counts a hit on each budget and throws RATE_LIMITED for the first one
 * over, with the seconds until its window ends; `spent` only reads.
 * @remarks Fixed windows allow up to 2× the budget across a window edge; fine for abuse control.
 */
export function windowCounters(cache: Cache, clock: Clock) {
  const slot = (b: Budget) => {
    const now = clock.now();
    const window = Math.floor(now / b.windowMs);
    return {
      key: `rl:${b.key}:${b.windowMs}:${window}`,
      retryAfterS: Math.max(1, Math.ceil(((window + 1) * b.windowMs - now) / 1000)),
    };
  };
  const refuse = (b: Budget, retryAfterS: number): never => {
    throw new AppError('RATE_LIMITED', undefined, { retry_after_s: retryAfterS, limit: b.limit });
  };
  return {
    async spend(budgets: readonly Budget[]): Promise<void> {
      const slots = budgets.map(slot);
      const counts = await Promise.all(slots.map((s, i) => cache.incrBy(s.key, 1, budgets[i]!.windowMs + 1000)));
      const over = counts.findIndex((c, i) => c > budgets[i]!.limit);
      if (over >= 0) refuse(budgets[over]!, slots[over]!.retryAfterS);
    },
    /** Throws RATE_LIMITED when the budget is already spent, without counting a hit. */
    async check(b: Budget): Promise<void> {
      const s = slot(b);
      if (Number((await cache.get(s.key)) ?? 0) >= b.limit) refuse(b, s.retryAfterS);
    },
  };
}

/**
 * Whether a request may go on uncounted because the counters' backend is unavailable (`err`): reads
 * (GET, HEAD) may, so the feed and pages serve from their fallbacks while Redis is down; writes may not,
 * and are refused with 503 and Retry-After. Told to `onUncounted` (logged and counted by the caller).
 */
export function readGoesOnUncounted(
  request: Pick<FastifyRequest, 'method'>,
  err: unknown,
  onUncounted?: (err: unknown) => void,
): boolean {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || !isBackendUnavailable(err)) return false;
  onUncounted?.(err);
  return true;
}

/** The window counters' type. */
export type WindowCounters = ReturnType<typeof windowCounters>;

/**
 * The request budgets: per IP and per user per minute, register/login per IP per minute, new accounts
 * per IP per hour, video creations per user per minute and per day, and reports per user per hour.
 * The ops routes are exempt. While the counters' backend is unavailable, reads go on uncounted
 * (`readGoesOnUncounted`) and writes are refused with 503.
 */
export function installRateLimits(
  app: FastifyInstance,
  cache: Cache,
  clock: Clock,
  limits: RateLimits,
  onUncounted?: (err: unknown) => void,
): void {
  const counters = windowCounters(cache, clock);
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const route = request.routeOptions.url ?? '';
    // Static client assets and CDN-cached media are not API calls; budgets protect the API.
    if (EXEMPT.has(route) || route === '/' || /^\/(docs|app|media)\//.test(route) || route === '/docs') return;
    const budgets: Budget[] = [{ key: `ip:${request.ip}`, limit: limits.perIpPerMin, windowMs: MINUTE_MS }];
    if (request.user)
      budgets.push({ key: `user:${request.user.id}`, limit: limits.perUserPerMin, windowMs: MINUTE_MS });
    if (route.startsWith('/api/v1/auth/')) {
      budgets.push({ key: `auth:${request.ip}`, limit: limits.authPerIpPerMin, windowMs: MINUTE_MS });
    }
    if (route === '/api/v1/auth/register') {
      budgets.push({ key: `register:${request.ip}`, limit: limits.registrationsPerIpPerHour, windowMs: HOUR_MS });
    }
    if (request.method === 'POST' && UPLOAD_ROUTES.has(route) && request.user) {
      const u = request.user.id;
      budgets.push({ key: `upload:${u}`, limit: limits.uploadsPerUserPerMin, windowMs: MINUTE_MS });
      budgets.push({ key: `upload:${u}`, limit: limits.uploadsPerUserPerDay, windowMs: DAY_MS });
    }
    if (request.method === 'POST' && route === '/api/v1/reports' && request.user) {
      budgets.push({ key: `report:${request.user.id}`, limit: limits.reportsPerUserPerHour, windowMs: HOUR_MS });
    }
    try {
      await counters.spend(budgets);
    } catch (err) {
      if (!readGoesOnUncounted(request, err, onUncounted)) throw err;
    }
  });
}
