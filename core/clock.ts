/** Time as a port, so tests and offline replay can move it. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can set and advance. */
export function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

/** A clock whose offset from the system time only grows: the user simulator's days. */
export interface SimulatedClock extends Clock {
  /** Moves time forward by `ms` (≥ 0) and returns the new time. */
  advance(ms: number): number;
  /** How far ahead of the system clock this clock runs, ms. */
  offsetMs(): number;
}

/**
 * System time plus an offset that moves forward in steps. Between steps time runs at its normal
 * speed, so token lifetimes, signed URLs and rate-limit windows behave as they do in production; a
 * step is a stretch of simulated time in which nothing happened (the simulator's night, or the hour
 * between two waves of sessions). Never goes backwards, so ids and event times stay ordered.
 */
export function simulatedClock(
  base: Clock = systemClock,
  opts: { offsetMs?: number; onAdvance?: (offsetMs: number) => void } = {},
): SimulatedClock {
  let offset = Math.max(0, opts.offsetMs ?? 0);
  return {
    now: () => base.now() + offset,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a simulated clock only moves forward');
      offset += ms;
      opts.onAdvance?.(offset);
      return base.now() + offset;
    },
    offsetMs: () => offset,
  };
}

/** True for a clock that `POST /api/v1/sim/clock` may move. */
export function isSimulatedClock(c: Clock): c is SimulatedClock {
  return (
    typeof (c as Partial<SimulatedClock>).advance === 'function' &&
    typeof (c as Partial<SimulatedClock>).offsetMs === 'function'
  );
}
