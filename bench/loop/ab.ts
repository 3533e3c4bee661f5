/**
 * The learning-loop benchmark's A/B: one platform, one simulated world, users randomised by the
 * platform's own experiments layer into two arms of `loop-vs-frozen`. The `loop` arm follows production
 * as the trainer promotes; the `frozen` arm pins the models production served after the first cycle
 * (`value_model.ranker_version`, and `sources.two_tower.model_version`: the promoted two-tower, or the
 * content index when none was promoted then, so a later two-tower never reaches the frozen arm). Before
 * the pin both arms serve the same models, which makes those days CUPED's pre-period.
 *
 * Training: the frozen arm never trains (it is pinned). The loop trains on both arms' logs, as a
 * production trainer does beside a holdout; each serve-log row records the ranker version that scored
 * it (and its propensity), so the arms stay separable, but the trainer neither filters nor weights by it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readExperimentFile } from '../../ab/config.ts';
import { start, stop } from '../../ab/lifecycle.ts';
import { inflated, regressionAdjust } from '../../ab/regression.ts';
import { cuped, meanEstimate, welch } from '../../ab/stats.ts';
import { openSqliteMetadataStore } from '../../core/metadata/metadata.sqlite.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { productionModel } from '../../model-format/production.ts';
import { CONTENT_INDEX_VERSION } from '../../retrieval/content-index.ts';
import { sumDays, type UserTruth } from '../../sim/metrics.ts';
import { pinOverrides } from '../../training/loop/canary.ts';

export const AB_EXPERIMENT = 'loop-vs-frozen';
export const LOOP_ARM = 'loop';
export const FROZEN_ARM = 'frozen';
const AB_LAYER = 'loop-holdout';

/** The pins of the frozen arm: registry versions of the feed models, by model name. */
export type FrozenPins = Partial<Record<'ranker' | 'two_tower', string>>;

function writeExperiment(feedConfigDir: string, pins: FrozenPins): string {
  const overrides: Record<string, unknown> = {};
  for (const [model, version] of Object.entries(pins)) Object.assign(overrides, pinOverrides(model, version));
  const file = {
    name: AB_EXPERIMENT,
    description:
      'The continuously trained models (production) against the models of the first cycle, pinned. Written by bench:loop.',
    owner: 'bench-loop',
    layer: AB_LAYER,
    traffic: 1,
    salt: AB_EXPERIMENT,
    targeting: { viewers: 'signed_in' },
    arms: [
      { name: FROZEN_ARM, weight: 1, ...(Object.keys(overrides).length > 0 ? { overrides } : {}) },
      { name: LOOP_ARM, weight: 1 },
    ],
    metrics: { primary: 'watch_time_s', secondary: [], guardrails: [] },
  };
  const path = join(feedConfigDir, 'ab', `${AB_EXPERIMENT}.yaml`);
  mkdirSync(join(feedConfigDir, 'ab'), { recursive: true });
  writeFileSync(path, `# Written by bench:loop (bench/loop/ab.ts).\n${stringify(file)}`);
  return path;
}

/** Starts the A/B with no pins yet: both arms on production until `pinFrozen`. */
export function startLoopAb(dataDir: string, feedConfigDir: string): void {
  start(dataDir, readExperimentFile(writeExperiment(feedConfigDir, {})));
}

/**
 * Pins the frozen arm (same name and salt: every user keeps their arm). The feed reads the changed
 * file within its refresh (2 s); a pinned version loads on the arm's first request.
 */
export function pinFrozen(feedConfigDir: string, pins: FrozenPins): void {
  writeExperiment(feedConfigDir, pins);
}

async function withRegistry<T>(dataDir: string, f: (db: MetadataStore) => Promise<T>): Promise<T> {
  const db = await openSqliteMetadataStore(new URL(`sqlite://${dataDir}/foryou.db`));
  try {
    return await f(db);
  } finally {
    await db.close();
  }
}

/**
 * The registry's production versions of the feed models now: what the frozen arm pins. Without a
 * promoted two-tower production retrieves from the content index, so that is what the arm pins.
 */
export function productionPins(dataDir: string): Promise<FrozenPins> {
  return withRegistry(dataDir, async (db) => {
    const pins: FrozenPins = {};
    const ranker = await productionModel(db, 'ranker');
    const twoTower = await productionModel(db, 'two_tower');
    if (ranker) pins.ranker = ranker.version;
    pins.two_tower = twoTower ? twoTower.version : CONTENT_INDEX_VERSION;
    return pins;
  });
}

/** Served items by the ranker version that scored them and the index that retrieved (the serve log). */
export function servedByVersion(dataDir: string) {
  return withRegistry(dataDir, (db) =>
    db.all<{ model_version: string; index_version: string; items: number }>(
      `SELECT model_version, index_version, COUNT(*) AS items FROM served_items
        GROUP BY model_version, index_version ORDER BY MIN(served_at)`,
    ),
  );
}

export function stopLoopAb(dataDir: string, reason: string): void {
  stop(dataDir, AB_EXPERIMENT, reason);
}

/** Watch seconds per session over days [from, to), or undefined without a session then. */
function watchPerSession(t: UserTruth, from: number, to: number): number | undefined {
  const d = sumDays(t, from, to);
  return d.sessions > 0 ? d.watchMs / 1000 / d.sessions : undefined;
}

/** Watch seconds per served item over days [from, to), or undefined without a session then. */
function watchPerItem(t: UserTruth, from: number, to: number): number | undefined {
  const d = sumDays(t, from, to);
  return d.sessions > 0 && d.served > 0 ? d.watchMs / 1000 / d.served : undefined;
}

/** Names of the A/B's covariates, in the order of `preCovariates`'s vector. */
export const LOOP_AB_COVARIATES = [
  'pre_watch_per_session_s',
  'last_pre_day_watch_per_session_s',
  'pre_watch_per_item_s',
  'pre_sessions',
  'pre_active_days',
  'active_last_pre_day',
  'has_pre_period',
  'first_active_day',
] as const;

/**
 * The facts about a user fixed before the compared days [from, ..) (both arms on the same models until
 * then), declared before the powered run: the metric over the pre-period [0, from) and over its last
 * day, its finer form per served item (a session's length is mostly chance, an item's watch much less),
 * sessions and active days in the pre-period, active on its last day, whether the user had a pre-period
 * at all, and the first day they were active (arrival: the simulator's, not the arm's). A missing
 * pre-period value is the pre-period users' mean (its own indicator carries the difference); a missing
 * last day is 0 beside its indicator.
 */
function preCovariates(t: UserTruth, from: number, means: { perSession: number; perItem: number }): number[] {
  const pre = sumDays(t, 0, from);
  const last = watchPerSession(t, from - 1, from);
  const first = t.days.findIndex((d) => d.sessions > 0);
  return [
    watchPerSession(t, 0, from) ?? means.perSession,
    last ?? 0,
    watchPerItem(t, 0, from) ?? means.perItem,
    pre.sessions,
    t.days.slice(0, from).filter((d) => d.sessions > 0).length,
    last !== undefined ? 1 : 0,
    pre.sessions > 0 ? 1 : 0,
    first < 0 ? from : first,
  ];
}

const meanOf = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * loop − frozen in watch seconds per session over the compared days [from, to), users randomised:
 * Welch's interval on the raw per-user values; on values regression-adjusted (multi-covariate CUPED,
 * `ab/regression.ts`, coefficients pooled over arms, the arm means' variance inflated for the fitted
 * slopes) by `preCovariates`, the primary analysis; and, for comparison with earlier runs, on values
 * adjusted by classic single-covariate CUPED with the user's own watch per session over the pre-period
 * [0, from) (0 for a user without a pre-period session, pooled over arms as `cuped` documents).
 */
export function loopVsFrozen(truths: readonly UserTruth[], from: number, to: number) {
  const rows = truths
    .filter((t) => t.arm === LOOP_ARM || t.arm === FROZEN_ARM)
    .map((t) => ({ t, arm: t.arm, y: watchPerSession(t, from, to), x: watchPerSession(t, 0, from) }))
    .filter((r): r is { t: UserTruth; arm: string; y: number; x: number | undefined } => r.y !== undefined);
  const y = rows.map((r) => r.y);
  const means = {
    perSession: meanOf(rows.flatMap((r) => (r.x !== undefined ? [r.x] : []))),
    perItem: meanOf(rows.flatMap((r) => watchPerItem(r.t, 0, from) ?? [])),
  };
  const reg = regressionAdjust(
    y,
    rows.map((r) => preCovariates(r.t, from, means)),
  );
  const single = cuped(
    y,
    rows.map((r) => r.x ?? 0),
  );
  const of = (arm: string, v: (i: number) => number) =>
    meanEstimate(rows.flatMap((r, i) => (r.arm === arm ? [v(i)] : [])));
  const raw = welch(
    of(FROZEN_ARM, (i) => y[i]!),
    of(LOOP_ARM, (i) => y[i]!),
  );
  const adjusted = welch(
    inflated(
      of(FROZEN_ARM, (i) => reg.adjusted[i]!),
      reg.varianceInflation,
    ),
    inflated(
      of(LOOP_ARM, (i) => reg.adjusted[i]!),
      reg.varianceInflation,
    ),
  );
  const classic = welch(
    of(FROZEN_ARM, (i) => single.adjusted[i]!),
    of(LOOP_ARM, (i) => single.adjusted[i]!),
  );
  const count = (arm: string) => rows.filter((r) => r.arm === arm).length;
  return {
    users: rows.length,
    users_per_arm: { [LOOP_ARM]: count(LOOP_ARM), [FROZEN_ARM]: count(FROZEN_ARM) },
    users_with_pre_period: rows.filter((r) => r.x !== undefined).length,
    loop: raw.treatment,
    frozen: raw.control,
    raw,
    adjusted: {
      covariates: Object.fromEntries(LOOP_AB_COVARIATES.map((name, j) => [name, reg.beta[j]!])),
      used: reg.used,
      variance_reduction: reg.varianceReduction,
      variance_inflation: reg.varianceInflation,
      ...adjusted,
    },
    cuped: { theta: single.theta, variance_reduction: single.varianceReduction, ...classic },
  };
}
