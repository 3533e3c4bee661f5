/**
 * The feeds' configuration files: `experiments/feed.yaml` (every component's settings under
 * `defaults`, the feed session length, A/B experiments whose arms override settings) and
 * `experiments/value-model.yaml` (the value model's slot). Settings are bound to the components of the
 * pipelines that will run (`bindSettings`): a component without settings, a setting nobody reads, or an
 * arm that produces invalid settings stops the server at start with every problem named.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bindSettings, deepMerge, type SettingsSlot, type SettingsTree } from '../pipeline/settings.ts';
import type { ArmAssignment } from './types.ts';

const armSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  weight: z.number().positive(),
  /** Any of the settings, deep-merged over the defaults (bound again after merging). */
  overrides: z.record(z.string(), z.unknown()).default({}),
});

const experimentSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  enabled: z.boolean().default(true),
  arms: z.array(armSchema).min(2),
});

/** `experiments/feed.yaml`: settings of every component, plus A/B experiments whose arms override them. */
export const feedFileSchema = z.object({
  defaults: z.record(z.string(), z.unknown()),
  session_ttl_s: z.number().int().positive().default(3600),
  experiments: z.array(experimentSchema).default([]),
});

/**
 * An experiment the feed buckets viewers into. Those of feed.yaml split every viewer by weight; those
 * started from experiments/ab bring their own `assign` (layers, traffic, targeting; undefined = not in it).
 */
export type FeedExperiment = z.infer<typeof experimentSchema> & { assign?: (actor: string) => string | undefined };

/** The parsed feed config, its defaults bound to the pipelines' settings slots. */
export interface FeedConfig {
  slots: readonly SettingsSlot<unknown>[];
  defaults: SettingsTree;
  sessionTtlS: number;
  experiments: FeedExperiment[];
}

/**
 * The config with more experiments, each checked like feed.yaml's (every arm must produce valid
 * settings); throws naming the experiment and arm otherwise.
 */
export function withExperiments(base: FeedConfig, extra: readonly FeedExperiment[]): FeedConfig {
  const config: FeedConfig = { ...base, experiments: [...base.experiments, ...extra] };
  for (const e of extra) for (const a of e.arms) settingsFor(config, [{ experiment: e.name, arm: a.name }]);
  return config;
}

function issues(err: z.ZodError, file: string): Error {
  return new Error(`${file}: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
}

/**
 * Parses both files (YAML text) and binds their settings to `slots` (the settings slots of every
 * pipeline that will run). The value model file becomes the `value_model` slot.
 */
export function parseFeedConfig(
  feedYaml: string,
  valueYaml: string,
  slots: readonly SettingsSlot<unknown>[],
  file = 'experiments/feed.yaml',
): FeedConfig {
  const feed = feedFileSchema.safeParse(parseYaml(feedYaml));
  if (!feed.success) throw issues(feed.error, file);
  const valueModel = parseYaml(valueYaml) as unknown;
  const defaults = bindSettings(slots, { ...feed.data.defaults, value_model: valueModel }, `${file} (defaults)`);
  const config: FeedConfig = {
    slots,
    defaults,
    sessionTtlS: feed.data.session_ttl_s,
    experiments: feed.data.experiments,
  };
  // Every arm must produce valid settings; checked once here, not per request.
  for (const e of config.experiments)
    for (const a of e.arms) settingsFor(config, [{ experiment: e.name, arm: a.name }]);
  return config;
}

/** The repository's configuration folder. */
export const EXPERIMENTS_DIR = new URL('../../experiments/', import.meta.url).pathname;

/** Reads `feed.yaml` and `value-model.yaml` from a directory and binds them to `slots`. */
export function loadFeedConfig(slots: readonly SettingsSlot<unknown>[], dir = EXPERIMENTS_DIR): FeedConfig {
  return parseFeedConfig(
    readFileSync(`${dir}/feed.yaml`, 'utf8'),
    readFileSync(`${dir}/value-model.yaml`, 'utf8'),
    slots,
    `${dir}/feed.yaml`,
  );
}

/** A number in [0, 1) from hash(actor, experiment): the same actor stays in the same arm. */
export function bucketOf(actor: string, experiment: string): number {
  return createHash('sha256').update(`${experiment}\u0000${actor}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** The arm of every enabled experiment for an actor, deterministically by hash. */
export function assignArms(config: FeedConfig, actor: string): ArmAssignment[] {
  const out: ArmAssignment[] = [];
  for (const e of config.experiments) {
    if (!e.enabled) continue;
    if (e.assign) {
      const arm = e.assign(actor);
      if (arm !== undefined) out.push({ experiment: e.name, arm });
      continue;
    }
    const total = e.arms.reduce((s, a) => s + a.weight, 0);
    let x = bucketOf(actor, e.name) * total;
    let arm = e.arms[e.arms.length - 1]!.name;
    for (const a of e.arms) {
      if (x < a.weight) {
        arm = a.name;
        break;
      }
      x -= a.weight;
    }
    out.push({ experiment: e.name, arm });
  }
  return out;
}

const resolved = new WeakMap<FeedConfig, Map<string, SettingsTree>>();

/** The defaults with the overrides of each assigned arm applied in order (memoised per arm combination). */
export function settingsFor(config: FeedConfig, arms: readonly ArmAssignment[]): SettingsTree {
  if (arms.length === 0) return config.defaults;
  const key = arms.map((a) => `${a.experiment}/${a.arm}`).join(',');
  let memo = resolved.get(config);
  if (!memo) {
    memo = new Map();
    resolved.set(config, memo);
  }
  const hit = memo.get(key);
  if (hit) return hit;
  let merged: unknown = config.defaults;
  for (const a of arms) {
    const arm = config.experiments.find((e) => e.name === a.experiment)?.arms.find((x) => x.name === a.arm);
    if (arm) merged = deepMerge(merged, arm.overrides);
  }
  const bound = bindSettings(config.slots, merged, `arm ${key}`);
  memo.set(key, bound);
  return bound;
}
