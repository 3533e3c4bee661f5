import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isSimulatedClock } from '../../core/clock.ts';
import type { AppDeps } from './deps.ts';

/** The longest single step: a month of simulated time. */
const MAX_STEP_MS = 31 * 86_400_000;
const clockBody = z.object({ now_ms: z.number(), offset_ms: z.number() });

/**
 * `GET|POST /api/v1/sim/clock`: read and move the simulated clock. Mounted only when the server runs
 * with `SIM_CLOCK=true` (the simulator and the demo); absent, and so a 404, everywhere else.
 */
export function simClockRoutes(deps: Pick<AppDeps, 'config' | 'clock'>): FastifyPluginAsync {
  return async (plain) => {
    const clock = deps.clock;
    if (!deps.config.SIM_CLOCK || !isSimulatedClock(clock)) return;
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const read = () => ({ now_ms: clock.now(), offset_ms: clock.offsetMs() });
    app.get(
      '/sim/clock',
      { schema: { tags: ['sim'], summary: 'The simulated clock (SIM_CLOCK only)', response: { 200: clockBody } } },
      async () => read(),
    );
    app.post(
      '/sim/clock',
      {
        schema: {
          tags: ['sim'],
          summary: 'Move the simulated clock forward (SIM_CLOCK only)',
          body: z.object({ advance_ms: z.number().int().min(0).max(MAX_STEP_MS) }),
          response: { 200: clockBody },
        },
      },
      async (request) => {
        clock.advance(request.body.advance_ms);
        return read();
      },
    );
  };
}
