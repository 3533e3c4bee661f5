import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { combineSchema, type ValueWeights, valueWeightsSchema } from '../../ranking/value-model.ts';
import type { ArmAssignment } from './types.ts';

const source = z.object({
  quota: z.number().int().min(0).max(5000),
  timeout_ms: z.number().int().min(1).max(10_000).default(100),
});

/** The feed's knobs: per-source quotas and timeouts, reranking rules, session length. */
export const feedSettingsSchema = z.object({
  sources: z.object({
    two_tower: source,
    following: source,
    trending: source,
    similar: source.extend({ seeds: z.number().int().min(1).max(50).default(5) }),
    fresh: source.extend({
      max_age_hours: z.number().positive().default(72),
      /** Serves a new video gets before it must earn its place through other sources. */
      exposure_budget: z.number().int().min(0).default(200),
    }),
    explore: source,
    popular: source,
    interests: source.extend({ cold_history_max: z.number().int().min(0).default(5) }),
  }),
  rerank: z.object({
    max_per_author: z.number().int().min(1).default(2),
    freshness_boost: z.number().min(0).default(0.3),
    freshness_half_life_hours: z.number().positive().default(24),
    creator_exposure_cap_per_hour: z.number().int().min(1).default(100_000),
    explore_slots: z.number().int().min(0).default(1),
  }),
  value_weights: valueWeightsSchema,
  /** How the retrieval prior and the ranker's value combine (from value-model.yaml's `combine`). */
  value_model: combineSchema,
});

/** Resolved settings for one request. */
export type FeedSettings = z.infer<typeof feedSettingsSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

const armSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  weight: z.number().positive(),
  /** Anything of the settings, deep-merged over the defaults (validated again after merging). */
  overrides: z.record(z.string(), z.unknown()).default({}),
});

const experimentSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  enabled: z.boolean().default(true),
  arms: z.array(armSchema).min(2),
});

/** `experiments/feed.yaml`: defaults plus A/B experiments whose arms override them. */
export const feedConfigSchema = z.object({
  defaults: feedSettingsSchema.omit({ value_weights: true, value_model: true }),
  session_ttl_s: z.number().int().positive().default(3600),
  experiments: z.array(experimentSchema).default([]),
});

/** The parsed feed config with the value-model weights folded into the defaults. */
export interface FeedConfig {
  defaults: FeedSettings;
  sessionTtlS: number;
  experiments: z.infer<typeof experimentSchema>[];
}

function issues(err: z.ZodError, file: string): Error {
  return new Error(`${file}: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
}

/** Parses feed settings and value weights (YAML text), failing with every bad field named. */
export function parseFeedConfig(feedYaml: string, valueYaml: string, file = 'experiments/feed.yaml'): FeedConfig {
  const feed = feedConfigSchema.safeParse(parseYaml(feedYaml));
  if (!feed.success) throw issues(feed.error, file);
  const value = z
    .object({ weights: valueWeightsSchema, combine: combineSchema.default(combineSchema.parse({})) })
    .safeParse(parseYaml(valueYaml));
  if (!value.success) throw issues(value.error, 'experiments/value-model.yaml');
  const defaults: FeedSettings = {
    ...feed.data.defaults,
    value_weights: value.data.weights,
    value_model: value.data.combine,
  };
  const config = { defaults, sessionTtlS: feed.data.session_ttl_s, experiments: feed.data.experiments };
  // Every arm must produce valid settings; checked once here, not per request.
  for (const e of config.experiments)
    for (const a of e.arms) settingsFor(config, [{ experiment: e.name, arm: a.name }]);
  return config;
}

/** Reads `experiments/feed.yaml` and `experiments/value-model.yaml` from a directory. */
export function loadFeedConfig(dir = new URL('../../experiments/', import.meta.url).pathname): FeedConfig {
  return parseFeedConfig(
    readFileSync(`${dir}/feed.yaml`, 'utf8'),
    readFileSync(`${dir}/value-model.yaml`, 'utf8'),
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

function merge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const b = base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { ...b };
  for (const [k, v] of Object.entries(over)) out[k] = merge(b[k], v);
  return out;
}

const resolved = new WeakMap<FeedConfig, Map<string, FeedSettings>>();

/** The defaults with the overrides of each assigned arm applied in order (memoised per arm combination). */
export function settingsFor(config: FeedConfig, arms: readonly ArmAssignment[]): FeedSettings {
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
    if (arm) merged = merge(merged, arm.overrides as DeepPartial<FeedSettings>);
  }
  const parsed = feedSettingsSchema.safeParse(merged);
  if (!parsed.success) throw issues(parsed.error, `arm ${key}`);
  memo.set(key, parsed.data);
  return parsed.data;
}

export type { ValueWeights };
