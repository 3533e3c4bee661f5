/**
 * What the feed serves from experiments/ab: the running experiments of the state file, their files
 * read again when the state or a file changes (checked at most every `refreshMs`), as feed experiments
 * whose `assign` applies layers, traffic, targeting and stopped arms.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedExperiment } from '../feed/for-you/config.ts';
import { assignArm } from './assign.ts';
import { readExperimentFile } from './config.ts';
import { readState, stateFile } from './state.ts';

/** Reads running experiments for the feed. */
export class RunningExperiments {
  readonly #dir: string;
  readonly #dataDir: string;
  readonly #refreshMs: number;
  readonly #onError: (err: unknown, what: string) => void;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #signature = '';
  #current: { signature: string; experiments: FeedExperiment[] } = { signature: '', experiments: [] };

  constructor(o: { dir: string; dataDir: string; refreshMs?: number; onError: (err: unknown, what: string) => void }) {
    this.#dir = o.dir;
    this.#dataDir = o.dataDir;
    this.#refreshMs = o.refreshMs ?? 2_000;
    this.#onError = o.onError;
  }

  /** The running experiments; `signature` changes whenever they do. */
  current(): { signature: string; experiments: FeedExperiment[] } {
    const now = Date.now();
    if (now - this.#checkedAt < this.#refreshMs) return this.#current;
    this.#checkedAt = now;
    try {
      const f = stateFile(this.#dataDir);
      if (!existsSync(f)) return this.#current;
      const state = readState(this.#dataDir);
      const running = Object.entries(state).filter(([, s]) => s.status === 'running');
      const mtimes = running.map(([name]) => {
        const p = join(this.#dir, `${name}.yaml`);
        return existsSync(p) ? statSync(p).mtimeMs : 0;
      });
      const signature = `${statSync(f).mtimeMs}:${mtimes.join(',')}`;
      if (signature === this.#signature) return this.#current;
      this.#signature = signature;
      const experiments: FeedExperiment[] = [];
      for (const [name, s] of running) {
        try {
          const e = readExperimentFile(join(this.#dir, `${name}.yaml`));
          const a = { experiment: e, range: s.range, stoppedArms: Object.keys(s.stopped_arms) };
          experiments.push({
            name: e.name,
            enabled: true,
            arms: e.arms.map((x) => ({ name: x.name, weight: x.weight, overrides: x.overrides })),
            assign: (actor) => assignArm(a, actor),
          });
        } catch (err) {
          this.#onError(err, `experiment ${name} is running but its file cannot be read; it is left out`);
        }
      }
      this.#current = { signature, experiments };
    } catch (err) {
      this.#onError(err, 'reading the experiment state failed; the previous set keeps serving');
    }
    return this.#current;
  }
}
