/**
 * The user simulator against the real platform, on two worlds:
 *   npm run bench:sim [-- --users 2000 --days 3 --videos 3000 --worlds world-a,world-b --concurrency 16]
 *   npm run bench:sim -- --catalogue real --videos 150 --users 300 --no-train --out sim-fresh
 *   npm run bench:sim -- --worlds world-b --merge   (re-run one world, keeping the others in sim.json)
 *   npm run bench:sim -- --seeds 3                  (each world drawn with 3 seeds: its seed, +1, +2; the
 *     lifts as the mean over seeds with a 95 % CI, every seed's figure beside it; --seed-offsets 1,2
 *     runs only those draws, and with --merge keeps the others)
 *   npm run bench:sim -- --users 400 --days 2 --out sim-diag --trace /tmp/t   (then npm run sim -- trace /tmp/t.world-b.jsonl)
 *     (the fresh install alone on a small real catalogue, where topics run dry: bench/results/sim-fresh.json)
 * Per world: a fresh embedded platform with the simulated clock and the policy-baselines experiment
 * on (users randomised by the platform between the pipeline, most-popular and random), a fast-mode
 * catalogue (synthetic copies of real transcoded clips), day 0 served by the fresh install (no model),
 * then one training cycle on the platform's own log (two-tower + ranker, promoted), then the other days.
 * Every user acts only through the HTTP API. Reports, per arm, mean true affinity, watch time per
 * session, next-day return rate and creator-exposure Gini (95 % CIs by bootstrap over users) for the
 * fresh install (day 0) and for the trained pipeline (days 1..), the simulator's request rate and CPU
 * share, and writes bench/results/sim.json.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progressBar } from '../core/cli/progress.ts';
import { ForyouClient } from '../platform/client/index.ts';
import { BASELINES_EXPERIMENT, writeArmsConfig } from '../sim/arms.ts';
import { type SimCatalogue, seedRealCatalogue } from '../sim/catalogue.ts';
import { buildFastCatalogue } from '../sim/fast.ts';
import { type ArmReport, type Estimate, overSeeds, type SeedsEstimate } from '../sim/metrics.ts';
import { simPlatformEnv, startPlatform } from '../sim/platform-process.ts';
import { affinityLift, armsOf, Simulation } from '../sim/runner.ts';
import { servingVersions, trainCycle, waitForModels } from '../sim/train-cycle.ts';
import { loadWorld, resized } from '../sim/world.ts';
import { argFlag, argValue, printTable, writeResults } from './report.ts';

const USERS = Number(argValue('--users') ?? 2000);
const DAYS = Number(argValue('--days') ?? 3);
const VIDEOS = Number(argValue('--videos') ?? 3000);
const CONCURRENCY = Number(argValue('--concurrency') ?? 16);
const WORLDS = (argValue('--worlds') ?? 'world-a,world-b').split(',');
/** Seed offsets drawn per world (0 is the world's own seed). */
const SEED_OFFSETS = (
  argValue('--seed-offsets') ?? Array.from({ length: Number(argValue('--seeds') ?? 1) }, (_, i) => i).join(',')
)
  .split(',')
  .map(Number);
const OUT = argValue('--out') ?? 'sim';
/** Keep each world's platform data in this folder (for looking at the trained feed afterwards). */
const KEEP = argValue('--keep');
/** `fast` (synthetic copies of templates) or `real` (every video a real clip through the upload path). */
const CATALOGUE = argValue('--catalogue') ?? 'fast';
/** No training cycle: every day is the fresh install (no model), compared with the baselines. */
const NO_TRAIN = argFlag('--no-train');
/** Write every served item with its sources and truth to `<file>.<world>.jsonl` (diagnostics: `npm run sim -- trace`). */
const TRACE = argValue('--trace');
/**
 * Keep the other worlds already in bench/results/<out>.json and replace only the ones run now (each
 * world can then run on its own, e.g. one per slot of a shared machine); worlds stay in name order.
 */
const MERGE = argFlag('--merge');

/** CPU seconds of a process from /proc (user + system), 0 where /proc is missing. */
function cpuSecondsOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

const fmt = (e: Estimate) => `${e.mean.toFixed(3)} [${e.ci95[0].toFixed(3)}, ${e.ci95[1].toFixed(3)}]`;
const armRows = (arms: Record<string, ArmReport>, phase: string) =>
  Object.entries(arms).map(([arm, a]) => ({
    phase,
    arm,
    users: a.users,
    true_affinity: fmt(a.true_affinity),
    warm_affinity: fmt(a.warm_affinity),
    watch_s_per_session: fmt(a.watch_time_per_session_s),
    return_rate: fmt(a.return_rate),
    gini: a.exposure_gini.toFixed(3),
    fresh: a.fresh_share.toFixed(3),
  }));

async function runWorld(name: string, seedOffset: number) {
  const base = resized(loadWorld(name), { users: USERS, videos: VIDEOS });
  const world = { ...base, seed: base.seed + seedOffset };
  const dir = KEEP ? join(KEEP, `${name}-${seedOffset}`) : mkdtempSync(join(tmpdir(), `foryou-bench-sim-${name}-`));
  const env = simPlatformEnv(join(dir, 'data'), { FEED_CONFIG_DIR: writeArmsConfig(join(dir, 'feed-config')) });
  try {
    const seedStart = performance.now();
    let platform: Awaited<ReturnType<typeof startPlatform>>;
    let catalogue: SimCatalogue;
    if (CATALOGUE === 'real') {
      platform = await startPlatform(env);
      catalogue = await seedRealCatalogue(platform.base, world);
    } else {
      catalogue = await buildFastCatalogue(env, world);
      platform = await startPlatform(env);
    }
    const seed_s = (performance.now() - seedStart) / 1000;
    try {
      const bar = progressBar(`${name} seed ${world.seed}: ${USERS} users × ${DAYS} days`);
      let train: Awaited<ReturnType<typeof trainCycle>> | undefined;
      let served: { model: string; index: string } | undefined;
      const probe = new ForyouClient({ baseUrl: platform.base, deviceId: 'bench-probe' });
      const cpu0 = process.cpuUsage();
      const serverCpu0 = cpuSecondsOf(platform.child.pid!);
      const wall0 = performance.now();
      let trainWall = 0;
      const traceFd = TRACE ? openSync(`${TRACE}.${name}.jsonl`, 'w') : undefined;
      const report = await new Simulation({
        baseUrl: platform.base,
        world,
        catalogue,
        days: DAYS,
        concurrency: CONCURRENCY,
        armExperiment: BASELINES_EXPERIMENT,
        ...(traceFd !== undefined ? { trace: (row) => writeSync(traceFd, `${JSON.stringify(row)}\n`) } : {}),
        progress: (p) =>
          bar.update(p.day * 24 + p.hour + 1, DAYS * 24, `${p.sessionsDone}/${p.sessionsPlanned} sessions`),
        onDayEnd: async (day) => {
          if (day !== 0 || NO_TRAIN) return;
          const t0 = performance.now();
          const before = await servingVersions(probe);
          train = await trainCycle(env.DATA_DIR!, { onStep: (s) => bar.update(24, DAYS * 24, `training: ${s}`) });
          served = await waitForModels(probe, before, train.promoted);
          trainWall += (performance.now() - t0) / 1000;
        },
      }).run();
      if (traceFd !== undefined) closeSync(traceFd);
      const wall = (performance.now() - wall0) / 1000 - trainWall;
      const cpu = process.cpuUsage(cpu0);
      const serverCpu = cpuSecondsOf(platform.child.pid!) - serverCpu0;
      bar.done();
      const meta = { truths: report.truths, exposure: report.exposure, creators: catalogue.creators.length };
      // Without training every day is the fresh install; with it, day 0 is and the later days are trained.
      const freshDays = NO_TRAIN ? {} : { from: 0, to: 1 };
      const trainedDays = NO_TRAIN ? {} : { from: 1 };
      const fresh = armsOf(meta, freshDays);
      const trained = armsOf(meta, trainedDays);
      const lift = affinityLift(report, 'pipeline', 'popular', trainedDays);
      const freshLift = affinityLift(report, 'pipeline', 'popular', { ...freshDays, warm: true });
      printTable(
        `${name} v${world.version} seed ${world.seed}`,
        NO_TRAIN
          ? armRows(fresh, 'all days (no model)')
          : [...armRows(fresh, 'day 0 (no model)'), ...armRows(trained, 'days 1.. (trained)')],
      );
      return {
        world: report.world,
        seed_offset: seedOffset,
        users: report.users,
        days: DAYS,
        videos: Object.keys(catalogue.videos).length,
        creators: catalogue.creators.length,
        via_http: true as const,
        clock: report.clock,
        seed_s,
        train_s: train?.train_s ?? null,
        promoted: train?.promoted ?? [],
        gate: train?.gate.notes ?? [],
        serving_after_training: served ?? null,
        catalogue: CATALOGUE,
        trained: !NO_TRAIN,
        /** The trained pipeline (days after the training cycle) and the baselines on the same days (all days with --no-train). */
        arms: trained,
        /** Day 0: the fresh install (no model) against the same baselines. */
        arms_fresh_install: fresh,
        affinity_lift_vs_popular: lift,
        fresh_install_warm_lift_vs_popular: freshLift,
        uploads: report.uploads,
        simulator: {
          requests: report.cost.requests,
          requests_per_s: report.cost.requests / wall,
          wall_s: wall,
          cpu_s: (cpu.user + cpu.system) / 1e6,
          /** The simulator's CPU as a share of one core over the simulated days (training excluded). */
          cpu_share_of_core: (cpu.user + cpu.system) / 1e6 / wall,
          server_cpu_share_of_core: serverCpu / wall,
          retries: report.cost.retries,
          errors: report.cost.errors,
          error_codes: report.cost.error_codes,
        },
      };
    } finally {
      await platform.stop();
    }
  } finally {
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

const started = performance.now();
type WorldResult = Awaited<ReturnType<typeof runWorld>>;
const ran: WorldResult[] = [];
for (const w of WORLDS) for (const k of SEED_OFFSETS) ran.push(await runWorld(w, k));
const resultPath = new URL(`./results/${OUT}.json`, import.meta.url);
const kept: WorldResult[] =
  MERGE && existsSync(resultPath)
    ? (JSON.parse(readFileSync(resultPath, 'utf8')).worlds as WorldResult[]).filter(
        (k) => !ran.some((r) => r.world.name === k.world.name && r.world.seed === k.world.seed),
      )
    : [];
const worlds = [...kept, ...ran].sort(
  (a, b) => a.world.name.localeCompare(b.world.name) || a.world.seed - b.world.seed,
);
const first = worlds[0]!;
/** Per world: the lifts over its seeds (mean, combined CI, the t interval between seeds, every seed). */
const byWorld = Object.fromEntries(
  [...new Set(worlds.map((w) => w.world.name))].map((name) => {
    const runs = worlds.filter((w) => w.world.name === name);
    return [
      name,
      {
        version: runs[0]!.world.version,
        seeds: runs.map((r) => r.world.seed),
        affinity_lift_vs_popular: overSeeds(runs.map((r) => r.affinity_lift_vs_popular)),
        fresh_install_warm_lift_vs_popular: overSeeds(runs.map((r) => r.fresh_install_warm_lift_vs_popular)),
      },
    ];
  }),
);
const seedsFmt = (e: SeedsEstimate) =>
  `${e.mean.toFixed(3)} [${e.ci95.map((x) => x.toFixed(3)).join(', ')}] between seeds [${e.between_seeds_ci95.map((x) => x.toFixed(3)).join(', ')}]`;
printTable(
  'over seeds: pipeline over most-popular, mean true affinity (relative)',
  Object.entries(byWorld).map(([world, b]) => ({
    world,
    seeds: b.seeds.join(' '),
    trained: seedsFmt(b.affinity_lift_vs_popular),
    fresh_install_after_warm_up: seedsFmt(b.fresh_install_warm_lift_vs_popular),
  })),
);
printTable(
  'pipeline over most-popular, mean true affinity (relative)',
  worlds.map((w) => ({
    world: `${w.world.name} ${w.world.seed}`,
    trained: `${w.affinity_lift_vs_popular.mean.toFixed(3)} [${w.affinity_lift_vs_popular.ci95.map((x) => x.toFixed(3)).join(', ')}]`,
    fresh_install_after_warm_up: `${w.fresh_install_warm_lift_vs_popular.mean.toFixed(3)} [${w.fresh_install_warm_lift_vs_popular.ci95.map((x) => x.toFixed(3)).join(', ')}]`,
    sim_req_per_s: w.simulator.requests_per_s.toFixed(0),
    sim_cpu_share: w.simulator.cpu_share_of_core.toFixed(2),
    train_s: w.train_s?.toFixed(1),
  })),
);
writeResults(OUT, {
  users: first.users,
  days: DAYS,
  via_http: true,
  arms: first.arms,
  /** The first world's lift over its seeds (the mean; `by_world` has every world's, with each seed's figure). */
  affinity_lift_vs_popular: byWorld[first.world.name]!.affinity_lift_vs_popular,
  by_world: byWorld,
  worlds,
  total_s: (performance.now() - started) / 1000,
  ...(kept.length > 0 ? { merged: { kept: kept.map((k) => k.world.name), ran: ran.map((r) => r.world.name) } } : {}),
});
