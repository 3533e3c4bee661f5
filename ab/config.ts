/**
 * Experiment files (`experiments/ab/<name>.yaml`) and the metric catalogue (`experiments/ab/metrics.yaml`),
 * validated with zod. A problem is reported as `file:line:column field: message`, pointing at the
 * offending value in the YAML (or at its parent when the field is missing).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/, 'lower-case letters, digits, - and _ (at most 60)');

const armSchema = z
  .object({
    name,
    weight: z.number().positive(),
    description: z.string().optional(),
    /** Any feed settings (experiments/feed.yaml `defaults`), deep-merged over the defaults for this arm. */
    overrides: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const guardrailSchema = z
  .object({
    metric: name,
    /** The arm is stopped when it is significantly worse than control by more than this share (0.05 = 5 %). */
    tolerance: z.number().min(0).max(1).default(0),
  })
  .strict();

/** One experiment file. */
export const experimentFileSchema = z
  .object({
    name,
    description: z.string().default(''),
    owner: z.string().optional(),
    /** Experiments of one layer never share a user; layers are independent of each other. */
    layer: name.default('default'),
    /** Share of the layer's users that enter this experiment (the rest see the defaults). */
    traffic: z.number().gt(0).max(1).default(1),
    /** Mixed into the hash; change it to reshuffle users (e.g. after a bucketing bug). Defaults to the name. */
    salt: z.string().min(1).optional(),
    targeting: z
      .object({
        /** `signed_in` users bucket by user id, `logged_out` viewers by device id. */
        viewers: z.enum(['all', 'signed_in', 'logged_out']).default('all'),
        /** Dog-fooding: only these user ids enter (everyone eligible when absent). */
        allow_users: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .default({ viewers: 'all' }),
    /** The first arm is the control every other arm is compared with. */
    arms: z.array(armSchema).min(2),
    metrics: z
      .object({
        primary: name,
        secondary: z.array(name).default([]),
        guardrails: z.array(guardrailSchema).default([]),
      })
      .strict(),
    analysis: z
      .object({
        alpha: z.number().gt(0).lt(0.5).default(0.05),
        power: z.number().gt(0.5).lt(1).default(0.8),
        /** Smallest relative change of the primary metric worth detecting (sizes the experiment). */
        mde: z.number().gt(0).default(0.05),
        /** Planned looks at the data (the sequential design spends alpha over them). */
        looks: z.number().int().min(1).max(20).default(5),
        /** Planned length; looks are spread evenly over it. */
        duration_days: z.number().positive().default(14),
        /** CUPED with each user's own metric over the days before the start. */
        cuped: z.boolean().default(true),
        /**
         * What CUPED adjusts by: `pre_exposure` (default) every pre-exposure covariate of ab/covariates.ts
         * (regression adjustment), `metric` only the metric's own pre-period value (classic CUPED).
         */
        cuped_covariates: z.enum(['pre_exposure', 'metric']).default('pre_exposure'),
        pre_period_days: z.number().positive().default(7),
      })
      .strict()
      .default({
        alpha: 0.05,
        power: 0.8,
        mde: 0.05,
        looks: 5,
        duration_days: 14,
        cuped: true,
        cuped_covariates: 'pre_exposure',
        pre_period_days: 7,
      }),
  })
  .strict()
  .superRefine((e, ctx) => {
    const seen = new Set<string>();
    e.arms.forEach((a, i) => {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['arms', i, 'name'], message: `arm ${a.name} twice` });
      seen.add(a.name);
    });
  });

/** A parsed experiment file. */
export type ExperimentFile = z.infer<typeof experimentFileSchema> & { file: string };

/** Per-user aggregates the analysis computes from the event log (what a metric may refer to). */
export const USER_AGGREGATES = [
  'impressions',
  'watch_s',
  'long_views',
  'completes',
  'skips',
  'likes',
  'comments',
  'shares',
  'follows',
  'not_interested',
  'sessions',
  'active_days',
  'returned_next_day',
] as const;
export type UserAggregate = (typeof USER_AGGREGATES)[number];

const aggregate = z.enum(USER_AGGREGATES);
const metricSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('mean'),
      description: z.string().default(''),
      value: aggregate,
      higher_is_better: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      kind: z.literal('ratio'),
      description: z.string().default(''),
      numerator: aggregate,
      denominator: aggregate,
      higher_is_better: z.boolean().default(true),
    })
    .strict(),
]);

/** The metric catalogue: name → definition. */
export const metricsFileSchema = z.object({ metrics: z.record(name, metricSchema) }).strict();
export type MetricDefinition = z.infer<typeof metricSchema>;

/** A validation problem with its place in the file. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

/** Parses YAML text with zod, mapping each issue to `file:line:col path: message`. */
export function parseWithPositions<S extends z.ZodType>(schema: S, text: string, file: string): z.infer<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => `${at(e.pos[0])} YAML: ${e.message}`));
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((i) => {
      // The deepest node that exists along the issue's path.
      let node: unknown;
      for (let k = i.path.length; k >= 0 && !isNode(node); k--) node = doc.getIn(i.path.slice(0, k) as never[], true);
      const offset = isNode(node) && node.range ? node.range[0] : 0;
      return `${at(offset)} ${i.path.join('.') || '(root)'}: ${i.message}`;
    }),
  );
}

/** `file:line:col` of the deepest existing node along `path` in a YAML file (for problems found after parsing). */
export function positionOf(file: string, path: readonly (string | number)[]): string {
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines });
  let node: unknown;
  for (let k = path.length; k >= 0 && !isNode(node); k--) node = doc.getIn(path.slice(0, k) as never[], true);
  const p = lines.linePos(isNode(node) && node.range ? node.range[0] : 0);
  return `${file}:${p.line}:${p.col}`;
}

/** Reads and validates one experiment file. */
export function readExperimentFile(path: string): ExperimentFile {
  const e = parseWithPositions(experimentFileSchema, readFileSync(path, 'utf8'), path);
  return { ...e, file: path };
}

/** Reads and validates the metric catalogue. */
export function readMetricsFile(path: string): Record<string, MetricDefinition> {
  return parseWithPositions(metricsFileSchema, readFileSync(path, 'utf8'), path).metrics;
}

/** The metrics file of an experiments folder. */
export const METRICS_FILE = 'metrics.yaml';

/**
 * Every experiment file of a folder, validated together: metric names must exist in `metrics.yaml`,
 * names must be unique. (Room in a layer is checked when an experiment starts: only running ones share it.)
 */
export function loadExperiments(dir: string): {
  experiments: ExperimentFile[];
  metrics: Record<string, MetricDefinition>;
} {
  const metrics = readMetricsFile(join(dir, METRICS_FILE));
  const problems: string[] = [];
  const experiments: ExperimentFile[] = [];
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== METRICS_FILE)
    .sort();
  for (const f of files) {
    try {
      experiments.push(readExperimentFile(join(dir, f)));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  problems.push(...crossCheck(experiments, metrics));
  if (problems.length > 0) throw new ConfigError(problems);
  return { experiments, metrics };
}

/** Checks that need more than one file. */
export function crossCheck(
  experiments: readonly ExperimentFile[],
  metrics: Record<string, MetricDefinition>,
): string[] {
  const problems: string[] = [];
  const names = new Map<string, string>();
  for (const e of experiments) {
    if (names.has(e.name)) problems.push(`${e.file}: name ${e.name} is also used by ${names.get(e.name)}`);
    names.set(e.name, e.file);
    if (basename(e.file).replace(/\.ya?ml$/, '') !== e.name)
      problems.push(`${e.file}: the file must be named after the experiment (${e.name}.yaml)`);
    const used = [e.metrics.primary, ...e.metrics.secondary, ...e.metrics.guardrails.map((g) => g.metric)];
    for (const m of used)
      if (!metrics[m])
        problems.push(
          `${e.file}: metric ${m} is not defined in ${METRICS_FILE} (has ${Object.keys(metrics).join(', ')})`,
        );
  }
  return problems;
}
