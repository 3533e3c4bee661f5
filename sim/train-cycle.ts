import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ForyouClient } from '../platform/client/index.ts';

const run = promisify(execFile);
const TRAIN_CLI = new URL('../training/cli/bin.ts', import.meta.url).pathname;
const ROOT = new URL('../', import.meta.url).pathname;

/** What one training cycle did. */
export interface TrainCycle {
  train_s: number;
  promoted: string[];
  /** The training CLI's one-line summaries (examples per split, registered versions). */
  log: string[];
}

/**
 * One training cycle on the platform's own log, through the training CLI as an operator runs it
 * (separate processes; the simulator imports no training code): train the two-tower and the ranker of
 * `config` on DATA_DIR's event log and catalogue, build the ANN index, promote both (gated on the
 * registry's metrics against production; a first cycle has none to beat). The running platform picks
 * the promoted versions up by polling its registry.
 */
export async function trainCycle(
  dataDir: string,
  opts: { config?: string; onStep?: (step: string) => void; seed?: number } = {},
): Promise<TrainCycle> {
  const d = resolve(dataDir);
  const stores = ['--metadata', `sqlite://${d}/foryou.db`, '--objects', `file://${d}/objects`];
  const started = performance.now();
  const log: string[] = [];
  const cli = async (step: string, args: string[]) => {
    opts.onStep?.(step);
    const { stdout, stderr } = await run(process.execPath, [TRAIN_CLI, ...args, ...stores], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    log.push(
      ...`${stdout}\n${stderr}`.split('\n').filter((l) => /registered|promot|production|examples|index:/.test(l)),
    );
  };
  await cli('train', [
    'train',
    '--config',
    opts.config ?? 'experiments/sim.yaml',
    '--data-dir',
    d,
    '--out',
    `${d}/runs/train-${Date.now()}`,
    ...(opts.seed !== undefined ? ['--seed', String(opts.seed)] : []),
  ]);
  await cli('index', ['index', '--name', 'two_tower']);
  const promoted: string[] = [];
  for (const name of ['two_tower', 'ranker']) {
    try {
      await cli(`promote ${name}`, ['promote', '--name', name]);
      promoted.push(name);
    } catch (err) {
      log.push(`${name} not promoted: ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`);
    }
  }
  return { train_s: (performance.now() - started) / 1000, promoted, log };
}

/** The ranker and index versions the platform serves with now (from a one-item feed page). */
export async function servingVersions(client: ForyouClient): Promise<{ model: string; index: string }> {
  const page = await client.feed({ limit: 1 });
  return { model: page.model_version, index: page.index_version };
}

/** Waits until the platform serves with a new ranker and a new index (both differ from `before`), or throws. */
export async function waitForModels(
  client: ForyouClient,
  before: { model: string; index: string },
  timeoutMs = 90_000,
): Promise<{ model: string; index: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await servingVersions(client);
    if (now.model !== before.model && now.index !== before.index) return now;
    if (Date.now() > deadline)
      throw new Error(`the platform still serves ${now.model} / ${now.index} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
