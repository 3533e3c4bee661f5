import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progressBar } from '../core/cli/progress.ts';
import { ForyouClient } from '../platform/client/index.ts';
import { buildFastCatalogue } from '../sim/fast.ts';
import { type Estimate, sumDays } from '../sim/metrics.ts';
import { simPlatformEnv, startPlatform } from '../sim/platform-process.ts';
import { armsOf, Simulation } from '../sim/runner.ts';
import { servingVersions, waitForModels } from '../sim/train-cycle.ts';
import { loadWorld, resized, type World } from '../sim/world.ts';
import { pairedBootstrap } from '../training/eval/stats.ts';
import {
  type CycleRecord,
  cliCycle,
  feedConfigAllPipeline,
  gateSummary,
  METRICS_TOKEN,
  newVideoLatencies,
} from './loop/cycle.ts';
import { gateDrill, startCanaryDrill } from './loop/drill.ts';
import { argValue, printTable, writeResults } from './report.ts';

const USERS = Number(argValue('--users') ?? 600);
const DAYS = Math.max(4, Number(argValue('--days') ?? 4));
const VIDEOS = Number(argValue('--videos') ?? 1500);
const WORLD = argValue('--world') ?? 'world-a';
const CONCURRENCY = Number(argValue('--concurrency') ?? 16);
const NEW_VIDEOS = Number(argValue('--new-videos') ?? 5);
/** Write every served item with its sources and truth to `<file>.<loop|frozen>.jsonl` (`npm run sim -- trace`). */
const TRACE = argValue('--trace');

async function runPlatform(world: World, mode: 'loop' | 'frozen', bar: ReturnType<typeof progressBar>) {
  const dir = mkdtempSync(join(tmpdir(), `foryou-bench-loop-${mode}-`));
  const dataDir = join(dir, 'data');
  const feedDir = feedConfigAllPipeline(mkdtempSync(join(dir, 'feed-')));
  const env = simPlatformEnv(dataDir, { FEED_CONFIG_DIR: feedDir, METRICS_TOKEN });
  try {
    const catalogue = await buildFastCatalogue(env, world);
    const platform = await startPlatform(env);
    const cycles: CycleRecord[] = [];
    const newVideo: number[] = [];
    let drill: Record<string, unknown> | null = null;
    let canaryDrill: Awaited<ReturnType<typeof startCanaryDrill>> | undefined;
    let canary: Record<string, unknown> | undefined;
    const probe = new ForyouClient({ baseUrl: platform.base, deviceId: `bench-loop-${mode}` });
    const traceFd = TRACE ? openSync(`${TRACE}.${mode}.jsonl`, 'w') : undefined;
    try {
      const report = await new Simulation({
        baseUrl: platform.base,
        world,
        catalogue,
        // The loop run has one more day: the canary drill's, after the days the A/B compares.
        days: mode === 'loop' ? DAYS + 1 : DAYS,
        concurrency: CONCURRENCY,
        ...(traceFd !== undefined ? { trace: (row) => writeSync(traceFd, `${JSON.stringify(row)}\n`) } : {}),
        progress: (p) => bar.update(p.day * 24 + p.hour + 1, (DAYS + 1) * 24, `${mode}: day ${p.day} hour ${p.hour}`),
        onDayEnd: async (day) => {
          if (mode === 'loop' && day === DAYS - 1) {
            // The extra day: a broken model past the gate as a canary, while the users keep watching.
            bar.update(day * 24 + 24, DAYS * 24, `${mode}: canary drill (a broken model past the gate)`);
            canaryDrill = await startCanaryDrill(dataDir, platform.base, feedDir);
            return;
          }
          if (mode === 'loop' && day === DAYS) {
            canary = await canaryDrill?.stop();
            return;
          }
          if (day >= DAYS - 1 || (mode === 'frozen' && day > 0)) return;
          const dayEnd = performance.now();
          if (mode === 'loop' && day >= 1 && NEW_VIDEOS > 0) {
            bar.update(day * 24 + 24, DAYS * 24, `${mode}: new uploads into the index`);
            newVideo.push(
              ...(await newVideoLatencies(platform.base, world, catalogue.creators[0]!.handle, NEW_VIDEOS, `d${day}`)),
            );
          }
          bar.update(day * 24 + 24, DAYS * 24, `${mode}: trainer cycle after day ${day}`);
          const before = await servingVersions(probe);
          const t0 = performance.now();
          const c = await cliCycle(dataDir);
          const cycleS = (performance.now() - t0) / 1000;
          const promoted = c.models.filter((m) => m.promoted).map((m) => m.name);
          const served = await waitForModels(probe, before, promoted, 120_000);
          const latency = (performance.now() - dayEnd) / 1000;
          cycles.push({
            after_day: day,
            canary_on_previous: c.canary ?? [],
            examples: c.window.examples,
            gate: gateSummary(c),
            promoted,
            train_s: c.trainS,
            cycle_s: cycleS,
            model_update_latency_s: promoted.length > 0 ? latency : null,
            serving: served,
          });
          if (mode === 'loop' && day === DAYS - 2) {
            bar.update(day * 24 + 24, DAYS * 24, `${mode}: fault drill at the gate`);
            const servingBefore = await servingVersions(probe);
            drill = await gateDrill(dataDir, platform.base, feedDir);
            const servingAfter = await servingVersions(probe);
            drill.serving_unchanged =
              servingBefore.model === servingAfter.model && servingBefore.index === servingAfter.index;
          }
        },
      }).run();
      return { report, cycles, newVideo, drill, canary, creators: catalogue.creators.length };
    } finally {
      if (traceFd !== undefined) closeSync(traceFd);
      await platform.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (e: Estimate) => `${e.mean.toFixed(3)} [${e.ci95[0].toFixed(3)}, ${e.ci95[1].toFixed(3)}]`;

function perDay(r: Awaited<ReturnType<typeof runPlatform>>) {
  return Array.from({ length: DAYS }, (_, d) => {
    const arm = Object.values(
      armsOf({ truths: r.report.truths, exposure: r.report.exposure, creators: r.creators }, { from: d, to: d + 1 }),
    )[0]!;
    return {
      day: d,
      users: arm.users,
      true_affinity: arm.true_affinity,
      watch_time_per_session_s: arm.watch_time_per_session_s,
    };
  });
}

/** Watch seconds per session of each user over [from, to) in both runs, paired by user. */
function pairedWatch(
  a: Awaited<ReturnType<typeof runPlatform>>,
  b: Awaited<ReturnType<typeof runPlatform>>,
  from: number,
) {
  const per = (r: typeof a) =>
    new Map(
      r.report.truths
        .map((t) => [t.user, sumDays(t, from, DAYS)] as const)
        .filter(([, d]) => d.sessions > 0)
        .map(([u, d]) => [u, d.watchMs / 1000 / d.sessions] as const),
    );
  const pa = per(a);
  const pb = per(b);
  const users = [...pa.keys()].filter((u) => pb.has(u));
  const x = users.map((u) => pa.get(u)!);
  const y = users.map((u) => pb.get(u)!);
  return {
    users: users.length,
    loop: x.reduce((s, v) => s + v, 0) / Math.max(1, x.length),
    frozen: y.reduce((s, v) => s + v, 0) / Math.max(1, y.length),
    diff: pairedBootstrap(x, y, { seed: 1 }),
  };
}

const p95 = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
};

const started = performance.now();
const world = resized(loadWorld(WORLD), { users: USERS, videos: VIDEOS });
const bar = progressBar(`${WORLD}: ${USERS} users × ${DAYS} days, loop then frozen`);
const loop = await runPlatform(world, 'loop', bar);
const frozen = await runPlatform(world, 'frozen', bar);
bar.done();

const loopDays = perDay(loop);
const frozenDays = perDay(frozen);
// The runs serve the same day-0 model on day 1; from day 2 the loop has retrained.
const ab = pairedWatch(loop, frozen, 2);
const cycles = loop.cycles.map((c, i) => {
  const day = (c.after_day as number) + 1;
  return {
    cycle: i + 1,
    ...c,
    next_day: {
      day,
      true_affinity: loopDays[day]!.true_affinity,
      watch_time_per_session_s: loopDays[day]!.watch_time_per_session_s,
    },
  };
});
printTable(
  'trainer cycles (loop run)',
  cycles.map((c) => ({
    cycle: c.cycle,
    after_day: c.after_day,
    gate: Object.entries(c.gate as Record<string, { passed: boolean }>)
      .map(([k, v]) => `${k}:${v.passed ? 'pass' : 'fail'}`)
      .join(' '),
    promoted: (c.promoted as string[]).join(',') || '-',
    train_s: (c.train_s as number).toFixed(1),
    update_latency_s: (c.model_update_latency_s as number | null)?.toFixed(1) ?? '-',
    next_day_affinity: fmt(c.next_day.true_affinity),
    next_day_watch_s: fmt(c.next_day.watch_time_per_session_s),
  })),
);
printTable(
  'per day: loop vs frozen',
  loopDays.map((d, i) => ({
    day: d.day,
    loop_affinity: fmt(d.true_affinity),
    frozen_affinity: fmt(frozenDays[i]!.true_affinity),
    loop_watch_s: fmt(d.watch_time_per_session_s),
    frozen_watch_s: fmt(frozenDays[i]!.watch_time_per_session_s),
  })),
);
const drill = loop.drill as Record<string, unknown> | null;
const canaryDrill = loop.canary as Record<string, unknown> | undefined;
const userErrors = drill && canaryDrill ? (drill.user_errors as number) + (canaryDrill.user_errors as number) : null;
const summary = {
  ab_loop_vs_frozen_watch_ci95: `${ab.diff.mean.toFixed(2)} s [${ab.diff.ci95[0].toFixed(2)}, ${ab.diff.ci95[1].toFixed(2)}] over ${ab.users} users`,
  new_video_index_latency_s_p95: p95(loop.newVideo)?.toFixed(2) ?? '-',
  broken_model_rejected: String(drill?.rejected ?? '-'),
  canary_drill: `${canaryDrill?.verdict ?? '-'}${canaryDrill?.rollback_s != null ? ` in ${(canaryDrill.rollback_s as number).toFixed(1)} s` : ''}`,
  user_errors: String(userErrors ?? '-'),
};
printTable('loop', [summary]);
writeResults('loop', {
  world: loop.report.world,
  users: loop.report.users,
  days: DAYS,
  videos: VIDEOS,
  via_http: true,
  cycles,
  frozen_cycles: frozen.cycles,
  per_day: { loop: loopDays, frozen: frozenDays },
  ab: {
    loop_vs_frozen: {
      design:
        'two runs of the same world, users and seeds; the loop retrains after every day, the frozen run keeps the day-0 model; paired by user over days 2.. (where their models differ), bootstrap over users',
      days: [2, DAYS - 1],
      note: 'the loop run has one more day (the canary drill), outside the compared days',
      users: ab.users,
      loop_watch_time_per_session_s: ab.loop,
      frozen_watch_time_per_session_s: ab.frozen,
      watch_time_ci95: ab.diff.ci95,
      watch_time_diff_mean: ab.diff.mean,
    },
  },
  new_video_index_latency_s: loop.newVideo,
  new_video_index_latency_s_p95: p95(loop.newVideo),
  fault_drill: { gate: drill, canary: canaryDrill ?? null },
  broken_model_rejected: drill?.rejected ?? null,
  rollback_s: canaryDrill?.rollback_s ?? null,
  user_errors: userErrors,
  simulator_errors: {
    loop: loop.report.cost.errors,
    frozen: frozen.report.cost.errors,
    codes: loop.report.cost.error_codes,
  },
  total_s: (performance.now() - started) / 1000,
});
