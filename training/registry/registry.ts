import { type Clock, systemClock } from '../../core/clock.ts';
import { AppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import type { MetadataStore, SqlExecutor } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';

/** Version of the `metadata.json` layout; loaders refuse any other. */
export const METADATA_SCHEMA_VERSION = 1;

/** The lifecycle of a registered model version. */
export type ModelStage = 'candidate' | 'production' | 'archived';

/** What a trainer describes its model with; the registry adds the schema version. */
export interface ModelMetadataInput {
  name: string;
  version: string;
  family: string;
  /** Names of the dense features the model reads, in order (empty for models that read none). */
  featureNames: readonly string[];
  /** Shapes the serving side must agree with (embedding size, vocabulary sizes…). */
  dims: Record<string, number>;
  dataHash: string;
  config?: unknown;
  [extra: string]: unknown;
}

/** What is saved as `metadata.json` beside a model's artifacts and checked when it is loaded. */
export interface ModelMetadata extends ModelMetadataInput {
  schemaVersion: number;
}

/** One row of the registry. */
export interface ModelRecord {
  id: string;
  name: string;
  version: string;
  stage: ModelStage;
  artifactPrefix: string;
  metadata: ModelMetadata;
  metrics: Record<string, number>;
  createdAt: number;
  promotedAt: number | null;
}

/** A metric promotion compares; higher is better unless said otherwise. */
export interface GateMetric {
  name: string;
  higherIsBetter?: boolean;
  /** How much worse the candidate may be and still pass (absolute). */
  tolerance?: number;
}

/** A refused promotion or a model whose metadata does not match what the caller expects. */
export class RegistryError extends AppError {
  readonly problems: readonly string[];
  constructor(
    code: 'MODEL_GATE_FAILED' | 'MODEL_METADATA_MISMATCH' | 'MODEL_STAGE_CONFLICT',
    message: string,
    problems: readonly string[] = [],
  ) {
    super(code, problems.length > 0 ? `${message}:\n${problems.map((p) => `  - ${p}`).join('\n')}` : message, problems);
    this.name = 'RegistryError';
    this.problems = problems;
  }
}

interface Row {
  id: string;
  name: string;
  version: string;
  stage: ModelStage;
  artifact_prefix: string;
  metadata: string;
  metrics: string;
  created_at: number;
  promoted_at: number | null;
}

const toRecord = (r: Row): ModelRecord => ({
  id: r.id,
  name: r.name,
  version: r.version,
  stage: r.stage,
  artifactPrefix: r.artifact_prefix,
  metadata: JSON.parse(r.metadata) as ModelMetadata,
  metrics: JSON.parse(r.metrics) as Record<string, number>,
  createdAt: Number(r.created_at),
  promotedAt: r.promoted_at === null ? null : Number(r.promoted_at),
});

/**
 * One `metadata.json` for the registry and for the exporter's own loader: an exported model's file is
 * kept whole (its graphs, vocabulary, feature names and dims describe the artifact) and the registry's
 * fields are added over it.
 */
function mergeMetadata(input: ModelMetadataInput, provided: Buffer | undefined): ModelMetadata {
  if (!provided) return { ...input, schemaVersion: METADATA_SCHEMA_VERSION };
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(provided.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the artifact metadata.json is not JSON');
  }
  if (file.schemaVersion !== undefined && file.schemaVersion !== METADATA_SCHEMA_VERSION) {
    throw new RegistryError(
      'MODEL_METADATA_MISMATCH',
      `artifact metadata.json has schemaVersion ${String(file.schemaVersion)}, the registry writes ${METADATA_SCHEMA_VERSION}`,
    );
  }
  return {
    ...input,
    ...file,
    name: input.name,
    version: input.version,
    family: input.family,
    dataHash: input.dataHash,
    featureNames: Array.isArray(file.featureNames) ? (file.featureNames as string[]) : input.featureNames,
    dims: { ...input.dims, ...(file.dims as Record<string, number> | undefined) },
    schemaVersion: METADATA_SCHEMA_VERSION,
  };
}

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Metric names that are better when lower. */
const lowerIsBetter = (name: string) => /loss|rmse|mae|error/i.test(name);

/**
 * The model registry: artifacts in the object store under `models/<name>/<version>/`, versions and
 * their stage in the metadata store's `models` table. At most one production version per name.
 */
export class ModelRegistry {
  readonly db: MetadataStore;
  readonly objects: ObjectStore;
  readonly clock: Clock;
  constructor(db: MetadataStore, objects: ObjectStore, clock: Clock = systemClock) {
    this.db = db;
    this.objects = objects;
    this.clock = clock;
  }

  /** Uploads the files and `metadata.json`, then records the version as a candidate. */
  async register(input: {
    metadata: ModelMetadataInput;
    files: Record<string, Buffer>;
    metrics?: Record<string, number>;
  }): Promise<ModelRecord> {
    const { name, version } = input.metadata;
    if (!NAME_RE.test(name)) throw new AppError('VALIDATION_FAILED', `model name "${name}" must match ${NAME_RE}`);
    if (!VERSION_RE.test(version))
      throw new AppError('VALIDATION_FAILED', `model version "${version}" must match ${VERSION_RE}`);
    const existing = await this.db.get('SELECT id FROM models WHERE name = $1 AND version = $2', [name, version]);
    if (existing) throw new RegistryError('MODEL_STAGE_CONFLICT', `model ${name}@${version} is already registered`);
    const prefix = `models/${name}/${version}/`;
    const metadata = mergeMetadata(input.metadata, input.files['metadata.json']);
    for (const [file, body] of Object.entries(input.files)) {
      if (file !== 'metadata.json') await this.objects.put(prefix + file, body);
    }
    await this.objects.put(`${prefix}metadata.json`, Buffer.from(JSON.stringify(metadata, null, 2)), {
      contentType: 'application/json',
    });
    const row: Row = {
      id: newId(this.clock.now()),
      name,
      version,
      stage: 'candidate',
      artifact_prefix: prefix,
      metadata: JSON.stringify(metadata),
      metrics: JSON.stringify(input.metrics ?? {}),
      created_at: this.clock.now(),
      promoted_at: null,
    };
    await this.db.run(
      'INSERT INTO models (id, name, version, stage, artifact_prefix, metadata, metrics, created_at, promoted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [row.id, row.name, row.version, row.stage, row.artifact_prefix, row.metadata, row.metrics, row.created_at, null],
    );
    return toRecord(row);
  }

  /** Versions, newest first; all names when `name` is omitted. */
  async list(name?: string): Promise<ModelRecord[]> {
    const rows = name
      ? await this.db.all<Row>('SELECT * FROM models WHERE name = $1 ORDER BY created_at DESC, id DESC', [name])
      : await this.db.all<Row>('SELECT * FROM models ORDER BY name, created_at DESC, id DESC');
    return rows.map(toRecord);
  }

  /** One version; throws MODEL_NOT_FOUND. */
  async get(name: string, version: string, tx: SqlExecutor = this.db): Promise<ModelRecord> {
    const row = await tx.get<Row>('SELECT * FROM models WHERE name = $1 AND version = $2', [name, version]);
    if (!row) throw new AppError('MODEL_NOT_FOUND', `no model ${name}@${version}`);
    return toRecord(row);
  }

  /** The version in a stage (the most recent one for candidate/archived), or undefined. */
  async byStage(name: string, stage: ModelStage, tx: SqlExecutor = this.db): Promise<ModelRecord | undefined> {
    const row = await tx.get<Row>(
      'SELECT * FROM models WHERE name = $1 AND stage = $2 ORDER BY COALESCE(promoted_at, created_at) DESC, id DESC LIMIT 1',
      [name, stage],
    );
    return row ? toRecord(row) : undefined;
  }

  /**
   * Makes a version production and archives the previous one. Refuses, unless `force`, when the
   * candidate is worse than production on a gate metric (by default every metric both recorded).
   */
  async promote(
    name: string,
    version: string,
    opts: { force?: boolean; gate?: readonly GateMetric[] } = {},
  ): Promise<ModelRecord> {
    return this.db.transaction(async (tx) => {
      const candidate = await this.get(name, version, tx);
      if (candidate.stage === 'production')
        throw new RegistryError('MODEL_STAGE_CONFLICT', `${name}@${version} is already production`);
      const current = await this.byStage(name, 'production', tx);
      if (current && !opts.force) {
        const gate: readonly GateMetric[] =
          opts.gate ??
          Object.keys(current.metrics)
            .filter((m) => m in candidate.metrics)
            .map((m) => ({ name: m, higherIsBetter: !lowerIsBetter(m) }));
        const problems: string[] = [];
        for (const g of gate) {
          const c = candidate.metrics[g.name];
          const p = current.metrics[g.name];
          if (c === undefined || p === undefined) {
            problems.push(`${g.name}: missing on ${c === undefined ? 'the candidate' : 'production'}`);
            continue;
          }
          const tol = g.tolerance ?? 0;
          const worse = (g.higherIsBetter ?? true) ? c < p - tol : c > p + tol;
          if (worse) problems.push(`${g.name}: candidate ${c} is worse than production ${p} (${current.version})`);
        }
        if (problems.length > 0) {
          throw new RegistryError(
            'MODEL_GATE_FAILED',
            `refusing to promote ${name}@${version} (use --force to override)`,
            problems,
          );
        }
      }
      const now = this.clock.now();
      if (current) await tx.run("UPDATE models SET stage = 'archived' WHERE id = $1", [current.id]);
      await tx.run("UPDATE models SET stage = 'production', promoted_at = $1 WHERE id = $2", [now, candidate.id]);
      return { ...candidate, stage: 'production' as const, promotedAt: now };
    });
  }

  /**
   * Puts back the version that was production before the current one: the archived version promoted
   * most recently before it. The current production is archived.
   */
  async rollback(name: string): Promise<ModelRecord> {
    return this.db.transaction(async (tx) => {
      const current = await this.byStage(name, 'production', tx);
      if (!current) throw new AppError('MODEL_NOT_FOUND', `no production version of ${name} to roll back`);
      const previous = await tx.get<Row>(
        "SELECT * FROM models WHERE name = $1 AND stage = 'archived' AND promoted_at IS NOT NULL AND promoted_at < $2 ORDER BY promoted_at DESC, id DESC LIMIT 1",
        [name, current.promotedAt ?? 0],
      );
      if (!previous) throw new AppError('MODEL_NOT_FOUND', `no earlier production version of ${name} to roll back to`);
      await tx.run("UPDATE models SET stage = 'archived' WHERE id = $1", [current.id]);
      // promoted_at is kept, so a second rollback walks further back instead of flipping between two.
      await tx.run("UPDATE models SET stage = 'production' WHERE id = $1", [previous.id]);
      return { ...toRecord(previous), stage: 'production' };
    });
  }

  /**
   * Loads the version in a stage after checking its `metadata.json` against what the caller runs:
   * schema version, feature names and every expected dimension; any mismatch throws with all problems.
   */
  async loadByStage(
    name: string,
    stage: ModelStage,
    expect: { featureNames?: readonly string[]; dims?: Record<string, number> } = {},
  ): Promise<{ record: ModelRecord; metadata: ModelMetadata; read(file: string): Promise<Buffer> }> {
    const record = await this.byStage(name, stage);
    if (!record) throw new AppError('MODEL_NOT_FOUND', `no ${stage} version of ${name}`);
    const metadata = JSON.parse(
      (await this.objects.getBuffer(`${record.artifactPrefix}metadata.json`)).toString('utf8'),
    ) as ModelMetadata;
    const problems: string[] = [];
    if (metadata.schemaVersion !== METADATA_SCHEMA_VERSION) {
      problems.push(`schemaVersion is ${metadata.schemaVersion}, this code reads ${METADATA_SCHEMA_VERSION}`);
    }
    if (expect.featureNames) {
      const got = metadata.featureNames ?? [];
      if (got.length !== expect.featureNames.length || got.some((f, i) => f !== expect.featureNames![i])) {
        const missing = expect.featureNames.filter((f) => !got.includes(f));
        const extra = got.filter((f) => !expect.featureNames!.includes(f));
        problems.push(
          `feature names differ (missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'}; or order)`,
        );
      }
    }
    for (const [k, v] of Object.entries(expect.dims ?? {})) {
      if (metadata.dims?.[k] !== v) problems.push(`dims.${k} is ${metadata.dims?.[k]}, expected ${v}`);
    }
    if (problems.length > 0)
      throw new RegistryError('MODEL_METADATA_MISMATCH', `${name}@${record.version} does not match`, problems);
    return { record, metadata, read: (file) => this.objects.getBuffer(record.artifactPrefix + file) };
  }
}
