import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors/registry.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';

/** Routes that answer however loaded the process is: probes and the scrape must see an overloaded node. */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Load shedding: past `maxInFlight` requests in this process, a new request is answered at once with
 * 503 OVERLOADED and `Retry-After: 1`, before auth or any backend call, so the requests already admitted
 * keep their latency and goodput holds instead of every request queueing into a timeout. Counted in
 * `foryou_http_shed_total`. 0 turns it off.
 */
export function installLoadShedding(app: FastifyInstance, maxInFlight: number, telemetry: Telemetry): void {
  if (maxInFlight <= 0) return;
  const shed = telemetry.counter({
    name: 'foryou_http_shed_total',
    help: 'Requests answered 503 OVERLOADED because the process was at API_MAX_IN_FLIGHT',
  });
  let inFlight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.has(request.url.split('?', 1)[0]!)) return;
    if (inFlight >= maxInFlight) {
      shed.inc();
      throw new AppError('OVERLOADED', undefined, { max_in_flight: maxInFlight });
    }
    inFlight++;
    // 'close' fires once per response, sent or aborted, so the count cannot leak.
    reply.raw.once('close', () => {
      inFlight--;
    });
  });
}
