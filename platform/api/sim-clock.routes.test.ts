import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './testing/harness.ts';

describe('the simulated clock routes', () => {
  let sim: Awaited<ReturnType<typeof buildTestApp>>;
  let plain: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    sim = await buildTestApp('embedded', 'sim-clock', { SIM_CLOCK: 'true' });
    plain = await buildTestApp('embedded', 'sim-clock-off');
  });
  afterAll(async () => {
    await sim?.cleanup();
    await plain?.cleanup();
  });

  it('moves platform time forward by the requested step, and only forward', async () => {
    const before = (await sim.app.inject('/api/v1/sim/clock')).json();
    expect(before.offset_ms).toBe(0);
    const day = 86_400_000;
    const moved = await sim.app.inject({ method: 'POST', url: '/api/v1/sim/clock', payload: { advance_ms: day } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().offset_ms).toBe(day);
    expect(moved.json().now_ms - before.now_ms).toBeGreaterThanOrEqual(day);
    expect(sim.deps.clock.now() - Date.now()).toBeGreaterThanOrEqual(day - 1000);
    const back = await sim.app.inject({ method: 'POST', url: '/api/v1/sim/clock', payload: { advance_ms: -1 } });
    expect(back.statusCode).toBe(400);
    expect(back.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('stamps a registered user with the simulated time', async () => {
    const res = await sim.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: 'sim_clock_user', password: 'a long password' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().user.created_at).toBeGreaterThan(Date.now() + 86_000_000);
  });

  it('keeps its offset in DATA_DIR, so a restarted platform carries on at the simulated time', async () => {
    const { openDeps, closeDeps } = await import('./open-deps.ts');
    const again = await openDeps(sim.deps.config);
    expect(again.clock.now() - Date.now()).toBeGreaterThanOrEqual(86_400_000 - 1000);
    await closeDeps(again);
  });

  it('does not exist without SIM_CLOCK', async () => {
    const res = await plain.app.inject({ method: 'POST', url: '/api/v1/sim/clock', payload: { advance_ms: 1 } });
    expect(res.statusCode).toBe(404);
    expect((await plain.app.inject('/api/v1/sim/clock')).statusCode).toBe(404);
  });
});
