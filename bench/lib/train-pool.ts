/**
 * Runs `bench:train`'s fits on worker threads (`train-fits.ts`): every family's selection fit first,
 * and each family's refits (one per seed, or one for a model with no randomness) as soon as its
 * selection has chosen the settings. An idle worker takes the longest pending fit (rough costs below,
 * measured on KuaiRand), so the two-tower's refits do not wait at the end of the queue.
 */
import { Worker } from 'node:worker_threads';
import type { ModelSpec } from '../../training/cli/experiment.ts';
import type { FitOutcome, FitTask, WorkerSetup } from './train-fits.ts';

/** Seconds of one fit on KuaiRand (selection fits include their validation grid); only the order matters. */
const COST: Record<string, { select: number; refit: number }> = {
  two_tower: { select: 55, refit: 65 },
  ranker: { select: 70, refit: 26 },
  logreg: { select: 45, refit: 15 },
  mf: { select: 15, refit: 17 },
  item_knn: { select: 25, refit: 3 },
  decayed_popular: { select: 12, refit: 1 },
};
/** A selection fit counts with the refits it unlocks (the two-tower's chain is the longest), a refit alone. */
const costOf = (t: FitTask, seeds: number) => {
  const c = COST[t.spec.type] ?? { select: 1, refit: 1 };
  return t.refit ? c.refit : c.select + c.refit * seeds;
};

export async function runPool(
  specs: readonly ModelSpec[],
  seeds: readonly number[],
  seeded: ReadonlySet<ModelSpec['type']>,
  workers: number,
  setup: WorkerSetup,
  dataHash: string,
  onDone: (task: FitTask, outcome: FitOutcome) => void,
): Promise<{ task: FitTask; outcome: FitOutcome }[]> {
  let nextId = 0;
  const pending: FitTask[] = specs.map((spec) => ({ id: nextId++, spec, refit: false, seed: seeds[0]! }));
  const running = new Map<number, FitTask>();
  const results: { task: FitTask; outcome: FitOutcome }[] = [];
  const pool = Array.from(
    { length: Math.min(workers, specs.length) },
    () => new Worker(new URL('./train-fits.ts', import.meta.url), { workerData: { trainBenchWorker: setup } }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const idle: Worker[] = [];
      const busy = new Map<Worker, number>();
      const pump = () => {
        pending.sort((a, b) => costOf(b, seeds.length) - costOf(a, seeds.length) || a.id - b.id);
        while (idle.length > 0 && pending.length > 0) {
          const w = idle.shift()!;
          const task = pending.shift()!;
          running.set(task.id, task);
          busy.set(w, task.id);
          w.postMessage(task);
        }
        if (pending.length === 0 && running.size === 0) resolve();
      };
      for (const w of pool) {
        w.on('error', reject);
        w.on('exit', (code) => {
          if (busy.has(w)) reject(new Error(`train worker exited with code ${code} during a fit`));
        });
        w.on('message', (m: FitOutcome | { ready: true; dataHash: string }) => {
          if ('ready' in m) {
            if (m.dataHash !== dataHash)
              return reject(new Error('train worker loaded other data than the main thread'));
            idle.push(w);
            return pump();
          }
          const task = running.get(m.id)!;
          running.delete(m.id);
          busy.delete(w);
          results.push({ task, outcome: m });
          onDone(task, m);
          // The chosen settings are refit on train+val: every seed, or once for a model with no randomness.
          if (!task.refit && !m.error && m.chosen) {
            for (const seed of seeded.has(m.chosen.type) ? seeds : [seeds[0]!])
              pending.push({ id: nextId++, spec: m.chosen, refit: true, seed });
          }
          idle.push(w);
          pump();
        });
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
