import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ForyouClient } from '../platform/client/index.ts';

const run = promisify(execFile);
const TRAIN_CLI = new URL('../training/cli/bin.ts', import.meta.url).pathname;
const ROOT = new URL('../', import.meta.url).pathname;

/** The parts of the training CLI's report.json the gate reads. */
interface TrainReport {
  retrieval?: { model: string; overall: { queries: number; recall_at_100: number; ndcg_at_10: number } }[];
  ranking?: { model: string; heads: Record<string, { auc: number | null }> }[];
}

/**
 * The gate a cycle's models pass before they serve: the two-tower must beat the most-popular baseline
 * trained in the same run on the held-out period (recall@100), the ranker must rank long views better
 * than chance (AUC > 0.55). A model that loses keeps the serving path it would replace (the content
 * index, the fallback scorer): a week-old platform with little data should not ship a worse feed.
 */
export function baselineGate(r: TrainReport): { twoTower: boolean; ranker: boolean; notes: string[] } {
  const ret = (m: string) => r.retrieval?.find((x) => x.model === m)?.overall;
  const tt = ret('two_tower');
  const pop = ret('most_popular');
  const twoTower = !!tt && !!pop && tt.recall_at_100 > pop.recall_at_100;
  const lv = r.ranking?.find((x) => x.model === 'ranker')?.heads.longView;
  const ranker = (lv?.auc ?? 0) > 0.55;
  return {
    twoTower,
    ranker,
    notes: [
      `gate two_tower: recall@100 ${tt?.recall_at_100.toFixed(3)} vs most_popular ${pop?.recall_at_100.toFixed(3)} on ${tt?.queries} held-out users → ${twoTower ? 'promote' : 'keep the content index'}`,
      `gate ranker: long-view AUC ${lv?.auc?.toFixed(3)} → ${ranker ? 'promote' : 'keep the fallback scorer'}`,
    ],
  };
}

/** What one training cycle did. */
export interface TrainCycle {
  train_s: number;
  promoted: string[];
  gate: ReturnType<typeof baselineGate>;
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
  const out = `${d}/runs/train-${Date.now()}`;
  await cli('train', [
    'train',
    '--config',
    opts.config ?? 'experiments/sim.yaml',
    '--data-dir',
    d,
    '--out',
    out,
    ...(opts.seed !== undefined ? ['--seed', String(opts.seed)] : []),
  ]);
  const gate = baselineGate(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as TrainReport);
  log.push(...gate.notes);
  const promoted: string[] = [];
  if (gate.twoTower) await cli('index', ['index', '--name', 'two_tower']);
  for (const name of ['two_tower', 'ranker'] as const) {
    if (!(name === 'two_tower' ? gate.twoTower : gate.ranker)) continue;
    try {
      await cli(`promote ${name}`, ['promote', '--name', name]);
      promoted.push(name);
    } catch (err) {
      log.push(`${name} not promoted: ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`);
    }
  }
  return { train_s: (performance.now() - started) / 1000, promoted, log, gate };
}

/** The ranker and index versions the platform serves with now (from a one-item feed page). */
export async function servingVersions(client: ForyouClient): Promise<{ model: string; index: string }> {
  const page = await client.feed({ limit: 1 });
  return { model: page.model_version, index: page.index_version };
}

/**
 * Waits until the platform serves the versions a cycle promoted (the ranker and/or the index differ
 * from `before`), or throws. Resolves at once when nothing was promoted.
 */
export async function waitForModels(
  client: ForyouClient,
  before: { model: string; index: string },
  promoted: readonly string[] = ['two_tower', 'ranker'],
  timeoutMs = 90_000,
): Promise<{ model: string; index: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await servingVersions(client);
    const modelOk = !promoted.includes('ranker') || now.model !== before.model;
    const indexOk = !promoted.includes('two_tower') || now.index !== before.index;
    if (modelOk && indexOk) return now;
    if (Date.now() > deadline)
      throw new Error(`the platform still serves ${now.model} / ${now.index} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
