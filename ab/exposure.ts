/**
 * Exposure events: the first time a viewer is served a page under an arm of a running experiment, one
 * event `{ experiment, arm, actor, at }` is appended to the `experiment_exposures` topic of the event
 * log. Assignment alone logs nothing (a viewer bucketed but never served is not in the analysis). The
 * "first time" is kept in the cache; if the cache forgets it, a second event for the same viewer may be
 * written, and readers keep the earliest.
 */
import type { Cache } from '../core/cache/ports.ts';
import type { EventLog } from '../core/events/ports.ts';

export const EXPOSURE_TOPIC = 'experiment_exposures';
const REMEMBER_MS = 90 * 86_400_000;

/** One exposure. */
export interface Exposure {
  experiment: string;
  arm: string;
  actor: string;
  at: number;
}

/** Writes exposure events; never throws into the feed request (failures go to `onError`). */
export class ExposureLogger {
  readonly #events: EventLog;
  readonly #cache: Cache;
  readonly #onError: (err: unknown) => void;

  constructor(events: EventLog, cache: Cache, onError: (err: unknown) => void) {
    this.#events = events;
    this.#cache = cache;
    this.#onError = onError;
  }

  /** Logs the arms this viewer is being served, those not logged before. */
  async served(actor: string, arms: readonly { experiment: string; arm: string }[], at: number): Promise<void> {
    try {
      const fresh: Exposure[] = [];
      for (const a of arms)
        if (await this.#cache.setIfAbsent(`exposure:${a.experiment}:${actor}`, a.arm, REMEMBER_MS))
          fresh.push({ experiment: a.experiment, arm: a.arm, actor, at });
      if (fresh.length > 0)
        await this.#events.append(
          EXPOSURE_TOPIC,
          fresh.map((e) => ({ key: actor, value: e, timestamp: at })),
        );
    } catch (err) {
      this.#onError(err);
    }
  }
}

/** Every exposure of an experiment in the log, the earliest per actor. */
export async function readExposures(log: EventLog, experiment: string): Promise<Map<string, Exposure>> {
  const out = new Map<string, Exposure>();
  const partitions = await log.partitions(EXPOSURE_TOPIC);
  for (let p = 0; p < partitions; p++)
    for (let offset = 0; ; ) {
      const batch = await log.read(EXPOSURE_TOPIC, p, offset, 10_000);
      if (batch.length === 0) break;
      for (const b of batch) {
        const e = (typeof b.value === 'string' ? JSON.parse(b.value) : b.value) as Exposure;
        if (e.experiment !== experiment) continue;
        const prev = out.get(e.actor);
        if (!prev || e.at < prev.at) out.set(e.actor, e);
      }
      offset = batch[batch.length - 1]!.offset + 1;
    }
  return out;
}
