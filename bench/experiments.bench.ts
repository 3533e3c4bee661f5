/**
 * The experiment platform on the user simulator (`npm run bench:experiments [-- --users 2400 --pre-days 3
 * --days 2 --videos 3000 --aa-runs 4000]`), writing bench/results/experiments.json and a sample report in
 * bench/results/experiments-report/.
 *
 * A fresh embedded platform with the simulated clock and a fast-mode catalogue; simulated users act
 * over HTTP for `pre-days` days on the pipeline (the pre-period), then the experiment `bench-planted` is
 * started exactly as an experimenter would (experiments/ab file + lifecycle start) and runs `days` days:
 * arms `control`, `control-2` (the same feed: a real A/A on the platform) and `random` (a uniformly random
 * order, which the simulated users like less than the pipeline: the planted effect, its size known from
 * the simulator's ground truth). Exposures come from the platform's exposure events. At the end the
 * analysis reads the platform's engagement log, and:
 *  - A/A: the users of both control arms re-split `aa-runs` times by fresh salts, each run looked at
 *    5 times; false positives with the sequential boundaries and with naive peeking (|z| > 1.96 at any look);
 *  - power: experiments of the size the report recommends for the planted effect, resampled from the
 *    `control` and `random` users, tested with the same 5 looks;
 *  - CUPED: share of the variance of the watch-time difference removed (control vs control-2) by the
 *    report's adjustment (regression on each user's pre-exposure covariates, ab/covariates.ts), by
 *    classic CUPED on the pre-period watch time alone, by growing covariate sets, for pre-periods of
 *    1..pre-days days; how concentrated watch time is in heavy users; transformed watch time as separate metrics;
 *  - SRM: populations of 50,000 ids bucketed 52/48 by a bug, tested against 50/50; false alarms on the A/A
 *    runs, and healthy experiments tested after every 1 % of their users (paused at least once, per threshold);
 *  - OPE: the random arm's policy valued offline from the pipeline's exploration-slot logs (IPS, SNIPS,
 *    doubly robust), against what the random arm earned online at the slot's position, both on the first
 *    page of a feed session, the same days and users (bench/lib/experiments-ope.ts says why).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { aggregate, analyse, DAY_MS, exposedUsers } from '../ab/analysis.ts';
import { assignArm } from '../ab/assign.ts';
import { aaRuns, powerRuns, srmDetection, srmMonitoring, type UserLooks } from '../ab/calibration.ts';
import { readExperimentFile, readMetricsFile } from '../ab/config.ts';
import { COVARIATE_NAMES, covariatesOf } from '../ab/covariates.ts';
import { readExposures } from '../ab/exposure.ts';
import { start, stop } from '../ab/lifecycle.ts';
import { servedOutcomes } from '../ab/ope-log.ts';
import { buildReport, writeReport } from '../ab/report.ts';
import { platformNow, readState } from '../ab/state.ts';
import { SRM_THRESHOLD, sequentialBoundaries } from '../ab/stats.ts';
import { progressBar } from '../core/cli/progress.ts';
import { openEventLog } from '../core/events/open.ts';
import { openMetadataStore } from '../core/metadata/open.ts';
import { readServed } from '../platform/engagement/serve-log.ts';
import { buildFastCatalogue } from '../sim/fast.ts';
import { relativeLift, sumDays } from '../sim/metrics.ts';
import { simPlatformEnv, startPlatform } from '../sim/platform-process.ts';
import { Simulation } from '../sim/runner.ts';
import { loadWorld, resized } from '../sim/world.ts';
import { readEngagementLog } from '../training/data/platform.loader.ts';
import { cupedFigures, seShare, withColumns } from './lib/experiments-cuped.ts';
import { opeDump, opeFigures } from './lib/experiments-ope.ts';
import { argValue, printTable, writeResults } from './report.ts';

const USERS = Number(argValue('--users') ?? 2400);
/** Days the experiment runs, after `PRE_DAYS` days of the same users on the platform without it (the CUPED pre-period). */
const DAYS = Number(argValue('--days') ?? 2);
const PRE_DAYS = Number(argValue('--pre-days') ?? 3);
const VIDEOS = Number(argValue('--videos') ?? 3000);
const WORLD = argValue('--world') ?? 'world-a';
// Re-splits of one population are not independent experiments: thousands keep the Monte Carlo error of the rate small.
const AA_RUNS = Number(argValue('--aa-runs') ?? 4000);
const POWER_RUNS = Number(argValue('--power-runs') ?? 400);
const SRM_RUNS = Number(argValue('--srm-runs') ?? 200);
/** Ids per SRM run: a 52/48 split is found with near certainty only from about 40,000 (χ² grows with n). */
const SRM_USERS = Number(argValue('--srm-users') ?? 50_000);
const LOOKS = 5;
const NAME = 'bench-planted';
const EXPERIMENTS = new URL('../experiments/', import.meta.url).pathname;
const REPORT_DIR = new URL('./results/experiments-report/', import.meta.url).pathname;

/** The feed config folder of the run: the repository's, every feed.yaml experiment off, and the bench experiment. */
function writeConfig(dir: string): string {
  mkdirSync(join(dir, 'ab'), { recursive: true });
  const feed = parse(readFileSync(join(EXPERIMENTS, 'feed.yaml'), 'utf8')) as {
    experiments?: { name: string; enabled?: boolean; arms: { name: string; overrides?: unknown }[] }[];
  };
  const random = feed.experiments?.find((e) => e.name === 'policy-baselines')?.arms.find((a) => a.name === 'random');
  if (!random) throw new Error('experiments/feed.yaml: policy-baselines has no random arm');
  for (const e of feed.experiments ?? []) e.enabled = false;
  writeFileSync(join(dir, 'feed.yaml'), stringify(feed));
  copyFileSync(join(EXPERIMENTS, 'value-model.yaml'), join(dir, 'value-model.yaml'));
  copyFileSync(join(EXPERIMENTS, 'ab', 'metrics.yaml'), join(dir, 'ab', 'metrics.yaml'));
  const experiment = {
    name: NAME,
    description:
      'Benchmark: a uniformly random order against the pipeline (the simulated users prefer the pipeline; the size of that preference is known from their hidden tastes), with an A/A copy of the control.',
    layer: 'bench',
    traffic: 1,
    targeting: { viewers: 'signed_in' },
    arms: [
      { name: 'control', weight: 1 },
      { name: 'control-2', weight: 1 },
      { name: 'random', weight: 1, overrides: random.overrides },
    ],
    metrics: {
      primary: 'watch_time_s',
      secondary: ['long_view_rate', 'likes', 'sessions', 'next_day_return'],
      guardrails: [{ metric: 'not_interested_rate', tolerance: 0.5 }],
    },
    analysis: { mde: 0.05, looks: LOOKS, duration_days: DAYS, cuped: true, pre_period_days: PRE_DAYS },
  };
  writeFileSync(join(dir, 'ab', `${NAME}.yaml`), stringify(experiment));
  return dir;
}

const started = performance.now();
const world = resized(loadWorld(WORLD), { users: USERS, videos: VIDEOS });
const dir = mkdtempSync(join(tmpdir(), 'foryou-bench-experiments-'));
try {
  const configDir = writeConfig(join(dir, 'feed-config'));
  // PORT from the environment, when set, places the platform; else a free port.
  const env = simPlatformEnv(join(dir, 'data'), {
    FEED_CONFIG_DIR: configDir,
    ...(process.env.PORT ? { PORT: process.env.PORT } : {}),
  });
  const dataDir = env.DATA_DIR!;
  const file = join(configDir, 'ab', `${NAME}.yaml`);
  const catalogue = await buildFastCatalogue(env, world);
  const platform = await startPlatform(env);
  const seedS = (performance.now() - started) / 1000;
  const bar = progressBar(`${WORLD}: ${USERS} users × ${PRE_DAYS} + ${DAYS} days`);
  const sim = new Simulation({
    baseUrl: platform.base,
    world,
    catalogue,
    days: PRE_DAYS + DAYS,
    concurrency: 16,
    progress: (p) =>
      bar.update(p.day * 24 + p.hour + 1, (PRE_DAYS + DAYS) * 24, `${p.sessionsDone}/${p.sessionsPlanned} sessions`),
    onDayEnd: async (day) => {
      if (day !== PRE_DAYS - 1) return;
      // As an experimenter would: `npm run exp -- start`; the feed rereads the state within 2 s.
      start(dataDir, readExperimentFile(file));
      await new Promise((r) => setTimeout(r, 2_500));
    },
  });
  const simReport = await sim.run();
  bar.done();
  stop(dataDir, NAME, 'benchmark over');
  await platform.stop();
  const simS = (performance.now() - started) / 1000 - seedS;

  const t0 = performance.now();
  const events = await readEngagementLog(env.EVENTS_URL!);
  const e = readExperimentFile(file);
  const s = readState(dataDir)[NAME]!;
  const metrics = readMetricsFile(join(configDir, 'ab', 'metrics.yaml'));
  const end = s.stopped_at ?? platformNow(dataDir);
  const log = await openEventLog(env.EVENTS_URL!);
  const exposures = await readExposures(log, NAME).finally(() => log.close());
  const window = { start: s.started_at, end, preDays: PRE_DAYS };
  const users = exposedUsers(events, { experiment: e, range: s.range }, window, exposures);
  // The same users should be found from the impressions alone (the fallback for data without exposure events).
  const inferred = exposedUsers(events, { experiment: e, range: s.range }, window);
  const input = { experiment: e, metrics, users, start: s.started_at, asOf: end };
  const report = buildReport(input, s);
  writeReport(REPORT_DIR, report);
  const a = report.analysis;
  const watch = (arm: string) => a.metrics.find((m) => m.metric === 'watch_time_s' && m.arm === arm)!;

  // Per user: watch time accumulated to each of the 5 looks, over the pre-period, and the pre-exposure
  // covariates the report's CUPED adjusts by at each look (the last `preDays` days before the start).
  const lookAt = Array.from({ length: LOOKS }, (_, k) => s.started_at + ((end - s.started_at) * (k + 1)) / LOOKS);
  const looksOf = (arm: string[], preDays = PRE_DAYS): UserLooks[] =>
    users
      .filter((u) => arm.includes(u.arm))
      .map((u) => ({
        id: u.userId,
        pre: aggregate(u.pre, s.started_at - preDays * DAY_MS, s.started_at).watch_s,
        looks: lookAt.map((t) => (u.exposedAt < t ? aggregate(u.events, u.exposedAt, t).watch_s : Number.NaN)),
        covariates: lookAt.map((t) => covariatesOf(u, 'watch_s', { start: s.started_at, preDays, asOf: t })),
      }));
  const bounds = sequentialBoundaries(
    Array.from({ length: LOOKS }, (_, k) => (k + 1) / LOOKS),
    e.analysis.alpha,
  );
  const aaBar = progressBar(`A/A: ${AA_RUNS} re-randomisations × ${LOOKS} looks`);
  aaBar.update(0, 1);
  const aaUsers = looksOf(['control', 'control-2']);
  const dump = argValue('--dump');
  if (dump)
    writeFileSync(dump, JSON.stringify({ aa: aaUsers, control: looksOf(['control']), treated: looksOf(['random']) }));
  const aa = aaRuns(aaUsers, AA_RUNS, bounds);
  aaBar.done();

  // The planted effect: the report's recommendation for detecting it, then experiments of that size.
  const planted = watch('random');
  const sized = analyse({
    ...input,
    experiment: { ...e, analysis: { ...e.analysis, mde: Math.abs(planted.comparison.relative) } },
  });
  const recommended = sized.recommended_users_per_arm;
  const control = looksOf(['control']);
  const treated = looksOf(['random']);
  let power: number | null = null;
  if (Number.isFinite(recommended) && recommended <= 20 * Math.max(control.length, treated.length)) {
    const pBar = progressBar(`power: ${POWER_RUNS} experiments of ${recommended} users per arm`);
    pBar.update(0, 1);
    power = powerRuns(control, treated, recommended, POWER_RUNS, bounds);
    pBar.done();
  }

  // Ground truth: mean true affinity of what each user was served after the start, by the platform's arm.
  const handle = (i: number) => `sim_${world.name.replaceAll('-', '_').slice(0, 12)}_u${i}`;
  const armOfTruth = (i: number) => {
    const id = sim.user(handle(i))?.userId;
    return id ? assignArm({ experiment: e, range: s.range }, `u:${id}`) : undefined;
  };
  const affinity = (arm: string) =>
    simReport.truths
      .filter((t) => armOfTruth(t.user) === arm)
      .map((t) => sumDays(t, PRE_DAYS))
      .filter((d) => d.served > 0)
      .map((d) => d.affinitySum / d.served);
  const trueLift = relativeLift(affinity('random'), affinity('control'));

  // Off-policy: the uniformly random policy (the `random` arm) valued from the pipeline's exploration
  // slot (everyone before the start, the control arms after), against what the random arm earned online
  // at the slot's position. Reward: a long view of a viewed item.
  const db = await openMetadataStore(env.METADATA_URL!);
  const outcomes = await readServed(db, 0, end + 1)
    .then((served) => servedOutcomes(served, events))
    .finally(() => db.close());
  const randomArm = e.arms.find((x) => x.name === 'random')!;
  const ope = opeFigures({
    outcomes,
    experiment: NAME,
    start: s.started_at,
    randomQuota: Number((randomArm.overrides as { sources: { explore: { quota: number } } }).sources.explore.quota),
    pageSize: world.session.page_size,
    catalogue: Object.keys(catalogue.videos),
  });
  if (dump) writeFileSync(`${dump}.ope.json`, JSON.stringify(opeDump(outcomes, NAME)));

  const srmRate = srmDetection(SRM_USERS, SRM_RUNS, [52, 48], [1, 1]);
  const monitoring = srmMonitoring(SRM_USERS, 100, SRM_RUNS * 5, [0.001, SRM_THRESHOLD]);
  const analysisS = (performance.now() - t0) / 1000;
  // CUPED: the share of the variance of the difference of means removed, 1 − (se with CUPED / se without)²,
  // at the last look; headline on the A/A pair (no treatment effect mixed into the spread) with the
  // report's estimator, also shown for the planted effect, for classic CUPED, and for pre-periods of
  // 1..PRE_DAYS days (the covariates: the last d days before the start).
  const last = LOOKS - 1;
  const aaA = looksOf(['control']);
  const aaB = looksOf(['control-2']);
  const byPreDays = Array.from({ length: PRE_DAYS }, (_, d) => [
    looksOf(['control'], d + 1),
    looksOf(['control-2'], d + 1),
  ]);
  const cupedByPreDays = Object.fromEntries(byPreDays.map(([a, b], d) => [d + 1, seShare(a!, b!, last)]));
  const singleByPreDays = Object.fromEntries(
    byPreDays.map(([a, b], d) => [d + 1, seShare(withColumns(a!, []), withColumns(b!, []), last)]),
  );
  const cupedFig = cupedFigures({ a: aaA, b: aaB, control, treated, last });
  const cupedVr = cupedFig.variance_reduction;
  const result = {
    world: simReport.world,
    users: simReport.users,
    days: DAYS,
    pre_days: PRE_DAYS,
    videos: Object.keys(catalogue.videos).length,
    via_http: true,
    events: events.length,
    exposures: a.exposures,
    /** Users found from the exposure events and from the impressions alone, and how many are in both with the same arm. */
    exposure_check: {
      logged: users.length,
      inferred: inferred.length,
      agree: inferred.filter((u) => users.some((x) => x.userId === u.userId && x.arm === u.arm)).length,
    },
    aa: {
      runs: aa.runs,
      peeks: LOOKS,
      boundaries: bounds,
      users: aa.runs ? looksOf(['control', 'control-2']).length : 0,
      false_positive_rate: aa.false_positive_rate,
      naive_peeking_false_positive_rate: aa.naive_false_positive_rate,
      fixed_horizon_false_positive_rate: aa.fixed_horizon_false_positive_rate,
      information_time_false_positive_rate: aa.information_time_false_positive_rate,
      /** The platform's own A/A arm (control-2 against control) in this run. */
      platform_aa: {
        relative: watch('control-2').comparison.relative,
        p: watch('control-2').comparison.p,
        significant: watch('control-2').significant,
      },
    },
    planted_effect: {
      arm: 'random',
      description: 'a uniformly random order against the pipeline (control)',
      true_affinity_lift: trueLift,
      watch_time_relative: planted.comparison.relative,
      watch_time_always_valid_ci: planted.sequential_ci.map((x) => x / planted.comparison.control),
      detected_in_run: planted.significant,
      recommended_users_per_arm: recommended,
      power_runs: power === null ? 0 : POWER_RUNS,
    },
    power,
    cuped_variance_reduction: cupedVr,
    cuped: {
      definition:
        '1 − (se of the difference of means with CUPED / without)², watch time per user, last look, control vs control-2',
      estimator:
        "the report's (cuped_covariates: pre_exposure): Y − (X − X̄)ᵀβ, β the OLS coefficients of Y on the pre-exposure covariates X, pooled over both arms; arm variances × (n − 1)/(n − 1 − p)·(1 + p/n)",
      covariates: COVARIATE_NAMES,
      pre_days: PRE_DAYS,
      by_pre_days: cupedByPreDays,
      single_covariate: {
        theta: 'θ = Cov(X, Y) / Var(X), X = pre-period watch time, X and Y pooled over both arms (classic CUPED)',
        variance_reduction: cupedFig.single_covariate,
        by_pre_days: singleByPreDays,
      },
      cumulative: cupedFig.cumulative,
      drop_one: cupedFig.drop_one,
      planted_effect: cupedFig.planted_effect,
      report_pooled_variance_share: planted.variance_reduction,
      watch_time_concentration: cupedFig.watch_time_concentration,
      separate_metrics: cupedFig.separate_metrics,
    },
    srm_detection_rate: srmRate,
    srm: {
      injected: '52/48 split tested against 50/50',
      users_per_run: SRM_USERS,
      runs: SRM_RUNS,
      platform_run: a.srm,
    },
    srm_false_alarm_rate: aa.srm_false_alarm_rate,
    srm_threshold: SRM_THRESHOLD,
    /** Healthy experiments of SRM_USERS users tested after every 1 % of them: share ever paused, per threshold. */
    srm_monitoring_false_pause_rate: { looks: 100, runs: SRM_RUNS * 5, by_threshold: monitoring },
    ope: {
      policy: 'a uniformly random video (the random arm), valued at the exploration slot position',
      reward: 'long view (completed or ≥ half watched) per viewed item',
      ...ope,
    },
    seed_s: seedS,
    simulate_s: simS,
    analysis_s: analysisS,
    total_s: (performance.now() - started) / 1000,
  };
  printTable('experiments on the simulator', [
    {
      check: 'A/A false positives, sequential (5 looks)',
      value: aa.false_positive_rate.toFixed(3),
      goal: '0.05 ± 0.015',
    },
    { check: 'A/A false positives, naive peeking', value: aa.naive_false_positive_rate.toFixed(3), goal: '(reported)' },
    {
      check: 'A/A false positives, one test at the end',
      value: aa.fixed_horizon_false_positive_rate.toFixed(3),
      goal: '(reported)',
    },
    {
      check: 'A/A false positives, looks at observed information',
      value: aa.information_time_false_positive_rate.toFixed(3),
      goal: '(reported)',
    },
    {
      check: `power at the recommended ${recommended} users/arm`,
      value: power === null ? 'n/a' : power.toFixed(3),
      goal: '≥ 0.8',
    },
    { check: 'CUPED variance reduction, watch time', value: cupedVr.toFixed(3), goal: '≥ 0.30' },
    {
      check: 'classic CUPED (pre-period watch time alone)',
      value: cupedFig.single_covariate.toFixed(3),
      goal: '(reported)',
    },
    { check: 'SRM detection, 52/48 bug', value: srmRate.toFixed(3), goal: '1.0' },
    { check: 'SRM false alarms on A/A', value: aa.srm_false_alarm_rate.toFixed(4), goal: '0' },
    ...(['ips', 'snips', 'dr'] as const).map((k) => ({
      check: `OPE ${k} vs online ${ope.online.estimate.toFixed(4)} [${ope.online.ci95.map((x) => x.toFixed(4)).join(', ')}]`,
      value: `${ope[k].estimate.toFixed(4)} ± ${(1.96 * ope[k].se).toFixed(4)}`,
      goal: k === 'ips' ? '(reported)' : 'within the online CI',
    })),
    {
      check: 'planted effect: watch time (random vs control)',
      value: `${(100 * planted.comparison.relative).toFixed(2)} %`,
      goal: '',
    },
    {
      check: 'planted effect: true affinity lift',
      value: `${(100 * trueLift.mean).toFixed(2)} % [${trueLift.ci95.map((x) => (100 * x).toFixed(2)).join(', ')}]`,
      goal: '',
    },
  ]);
  writeResults('experiments', result);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
