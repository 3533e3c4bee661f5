import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Where an experiment's examples come from. */
const dataSchema = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('kuairand'),
    /** Relative to the working directory (the repository root under npm scripts). */
    dir: z.string().min(1).default('../shared/data/kuairand-pure'),
  }),
  z.object({
    /** The platform's own engagement log and catalogue (`--data-dir DIR` reads DIR/foryou.db and DIR/events.db). */
    source: z.literal('platform'),
    metadata: z.string().min(1).default('sqlite://./data/foryou.db'),
    events: z.string().min(1).default('sqlite://./data/events.db'),
    /** Newest share of the logged time span held out for test, and the share before it for validation. */
    holdout_share: z.number().gt(0).lt(0.5).default(0.1),
  }),
  z.object({
    source: z.literal('synthetic'),
    users: positiveInt.default(2000),
    videos: positiveInt.default(1000),
    examples: positiveInt.default(60_000),
    clusters: positiveInt.default(8),
    seed: z.number().int().default(42),
  }),
]);

const baseModel = {
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'name: lower-case letters, digits, _ and - only')
    .optional(),
};

/** One model to train; `params` of the neural families are validated by their own trainers. */
const modelSchema = z.discriminatedUnion('type', [
  z.object({ ...baseModel, type: z.literal('random') }).strict(),
  z.object({ ...baseModel, type: z.literal('most_popular') }).strict(),
  /** The serving content index (hashed author/hashtag directions, mean of the user's engaged videos). */
  z.object({ ...baseModel, type: z.literal('content') }).strict(),
  z
    .object({ ...baseModel, type: z.literal('decayed_popular'), halfLifeHours: z.number().positive().optional() })
    .strict(),
  z
    .object({
      ...baseModel,
      type: z.literal('item_knn'),
      neighbours: positiveInt.optional(),
      historyLength: positiveInt.optional(),
      maxItemsPerUser: positiveInt.optional(),
      shrinkage: z.number().min(0).optional(),
      /** Set both to skip tuning on validation (a release refit sets them to what validation chose). */
      popularityWeight: z.number().min(0).optional(),
      popularityHalfLifeHours: z.number().positive().optional(),
    })
    .strict(),
  z
    .object({
      ...baseModel,
      type: z.literal('mf'),
      factors: positiveInt.max(256).optional(),
      iterations: positiveInt.max(100).optional(),
      regularization: z.number().positive().optional(),
      alpha: z.number().positive().optional(),
    })
    .strict(),
  z
    .object({
      ...baseModel,
      type: z.literal('logreg'),
      solver: z.enum(['lbfgs', 'adam']).optional(),
      ids: z.boolean().optional(),
      dense: z.boolean().optional(),
      maxIterations: positiveInt.max(10_000).optional(),
      epochs: positiveInt.max(50).optional(),
      batchSize: positiveInt.optional(),
      learningRate: z.number().positive().optional(),
      l2: z.number().min(0).optional(),
    })
    .strict(),
  z
    .object({ ...baseModel, type: z.literal('two_tower'), params: z.record(z.string(), z.unknown()).default({}) })
    .strict(),
  z.object({ ...baseModel, type: z.literal('ranker'), params: z.record(z.string(), z.unknown()).default({}) }).strict(),
]);

/** An experiment file: data, models, evaluation period. */
export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and - only'),
    description: z.string().optional(),
    seed: z.number().int().default(42),
    data: dataSchema,
    models: z.array(modelSchema).min(1, 'list at least one model'),
    /** The default period of `eval`; `train` always judges on validation, `release` reports test. */
    eval: z
      .object({ period: z.enum(['validation', 'test']).default('validation') })
      .strict()
      .default({ period: 'validation' }),
  })
  .strict();

/** A validated experiment. */
export type Experiment = z.infer<typeof experimentSchema>;
/** One validated model entry. */
export type ModelSpec = Experiment['models'][number];

/** An experiment file that cannot be used; `problems` lists every issue, one per line. */
export class ExperimentError extends Error {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file} is not a valid experiment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ExperimentError';
    this.problems = problems;
  }
}

/** The registry name of a model entry: its `name`, else its type. */
export function modelName(spec: ModelSpec): string {
  return spec.name ?? spec.type;
}

/** Parses and validates an experiment, reporting every problem at once with its path. */
export function parseExperiment(text: string, file = 'experiment'): Experiment {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ExperimentError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ExperimentError(
      file,
      parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`),
    );
  }
  const names = parsed.data.models.map(modelName);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length > 0)
    throw new ExperimentError(file, [`models: duplicate model name(s) ${[...new Set(dupes)].join(', ')}`]);
  return parsed.data;
}

/** Reads and validates an experiment file. */
export function loadExperiment(path: string): Experiment {
  if (!existsSync(path)) throw new ExperimentError(path, ['file not found']);
  return parseExperiment(readFileSync(path, 'utf8'), path);
}
