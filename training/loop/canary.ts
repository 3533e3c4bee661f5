/**
 * The canary split of the learning loop: a model version that passed the gate is not promoted at once;
 * it serves a small share of viewers as the `canary` arm of an experiment `canary-<model>` in the
 * experiments folder (`<feed config>/ab/`, the same files, state and lifecycle log as any A/B test),
 * beside a `control` arm of the same size served by production, over the same window. The guardrail
 * check (`guardrails.ts`) then promotes it or rolls it back and stops the experiment.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type ExperimentFile, readExperimentFile } from '../../ab/config.ts';
import { start, stop } from '../../ab/lifecycle.ts';
import { type ExperimentState, platformNow, readState } from '../../ab/state.ts';

/** Where the platform's experiments live and how much traffic a canary takes. */
export interface CanarySite {
  /** The platform's data folder (its experiments/state.json and log.jsonl). */
  dataDir: string;
  /** The feed configuration folder the API reads (FEED_CONFIG_DIR); canary files go to its `ab/`. */
  feedConfigDir: string;
  /** Share of viewers served by the canary version (the same share again forms its control arm). */
  share: number;
}

/** Default canary share: 10 % of viewers on the new version, 10 % on production as its control. */
export const DEFAULT_CANARY_SHARE = 0.1;
/** Canaries of different models share a layer, so no viewer is in two canaries at once. */
export const CANARY_LAYER = 'model-canary';
export const CANARY_ARM = 'canary';
export const CONTROL_ARM = 'control';

export const canaryExperiment = (model: string) => `canary-${model}`;
export const canaryFile = (site: Pick<CanarySite, 'feedConfigDir'>, model: string) =>
  join(site.feedConfigDir, 'ab', `${canaryExperiment(model)}.yaml`);

/** The arm overrides that pin `version` of a feed model (the model-version arms of the experiments). */
export function pinOverrides(model: string, version: string): Record<string, unknown> {
  if (model === 'ranker') return { value_model: { ranker_version: version } };
  if (model === 'two_tower') return { sources: { two_tower: { model_version: version } } };
  throw new Error(`the feed cannot pin a version of ${model} (only ranker and two_tower)`);
}

/** The version an arm's overrides pin for `model`, if any. */
export function pinnedVersionOf(model: string, overrides: Record<string, unknown>): string | undefined {
  const at = (o: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
  const v =
    model === 'ranker'
      ? at(overrides, 'value_model', 'ranker_version')
      : at(overrides, 'sources', 'two_tower', 'model_version');
  return typeof v === 'string' ? v : undefined;
}

/** Checks a canary share: two arms of it must fit twice in the layer (one canary per feed model). */
export function checkShare(share: number): number {
  if (!(share > 0 && share <= 0.25)) throw new Error(`the canary share must be in (0, 0.25], got ${share}`);
  return share;
}

/** A running canary: its experiment, state and the version its canary arm pins. */
export interface RunningCanary {
  experiment: ExperimentFile;
  state: ExperimentState;
  version: string;
}

/** The running canary of `model`, if any. */
export function runningCanary(site: CanarySite, model: string): RunningCanary | undefined {
  const name = canaryExperiment(model);
  const state = readState(site.dataDir)[name];
  if (state?.status !== 'running') return undefined;
  const experiment = readExperimentFile(canaryFile(site, model));
  const arm = experiment.arms.find((a) => a.name === CANARY_ARM);
  const version = arm ? pinnedVersionOf(model, arm.overrides) : undefined;
  if (!version) throw new Error(`${experiment.file}: the ${CANARY_ARM} arm pins no version of ${model}`);
  return { experiment, state, version };
}

/**
 * Writes `canary-<model>.yaml` pinning `version` and starts it (a running canary of an older version of
 * the same model is stopped first: superseded). Returns the state and the superseded version.
 */
export function startCanary(
  site: CanarySite,
  model: string,
  version: string,
  o: { actor: string; now?: number },
): { state: ExperimentState; superseded: string | null } {
  const share = checkShare(site.share);
  const now = o.now ?? platformNow(site.dataDir);
  const name = canaryExperiment(model);
  const previous = runningCanary(site, model);
  if (previous) stop(site.dataDir, name, `superseded by ${model}@${version}`, now);
  const file = {
    name,
    description: `Canary of ${model}@${version}: ${(100 * share).toFixed(0)} % of viewers on it, as many on production (control), over the same window. Written by the learning loop.`,
    owner: o.actor,
    layer: CANARY_LAYER,
    traffic: 2 * share,
    salt: `${name}-${version}`,
    arms: [
      { name: CONTROL_ARM, weight: 1 },
      { name: CANARY_ARM, weight: 1, overrides: pinOverrides(model, version) },
    ],
    metrics: {
      primary: 'long_view_rate',
      secondary: ['watch_time_s'],
      guardrails: [{ metric: 'not_interested_rate', tolerance: 0.1 }],
    },
  };
  const path = canaryFile(site, model);
  mkdirSync(join(site.feedConfigDir, 'ab'), { recursive: true });
  writeFileSync(path, `# Written by the learning loop (training/loop/canary.ts); do not edit.\n${stringify(file)}`);
  const state = start(site.dataDir, readExperimentFile(path), now);
  return { state, superseded: previous?.version ?? null };
}

/** Stops the canary experiment of `model` (its viewers see production again within the feed's refresh). */
export function endCanary(site: CanarySite, model: string, reason: string, now?: number): number {
  const at = now ?? platformNow(site.dataDir);
  stop(site.dataDir, canaryExperiment(model), reason, at);
  return at;
}
