import { ApiError, type ForyouClient } from '../platform/client/index.ts';

/**
 * The platform's clock as the simulator sees it: with `SIM_CLOCK=true` the platform's time is moved
 * forward through `POST /api/v1/sim/clock`; without it (a real deployment) time just runs. Between
 * readings the local clock's progress is added, so `now()` costs no request.
 */
export class PlatformClock {
  readonly #client: ForyouClient;
  #simulated = false;
  #at = { platform: 0, local: 0 };

  constructor(client: ForyouClient) {
    this.#client = client;
  }

  /** Asks the platform whether it has a simulated clock and reads it (404: a real clock). */
  async start(): Promise<void> {
    try {
      const c = await this.#client.simClock();
      this.#simulated = true;
      this.#set(c.now_ms);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      this.#set(Date.now());
    }
  }

  get simulated(): boolean {
    return this.#simulated;
  }

  /** The platform's time now, from the last reading plus real time since. */
  now(): number {
    return this.#at.platform + (Date.now() - this.#at.local);
  }

  /** Moves the platform clock to `target` (never back); without a simulated clock, time just runs. */
  async moveTo(target: number): Promise<void> {
    if (!this.#simulated) return;
    const step = target - this.now();
    if (step <= 0) return;
    const c = await this.#client.advanceSimClock(step);
    this.#set(c.now_ms);
  }

  #set(ms: number): void {
    this.#at = { platform: ms, local: Date.now() };
  }
}
