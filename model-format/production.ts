/** Reading which version of a model is in production from the registry's `models` table. */
import type { SqlExecutor } from '../core/metadata/ports.ts';

/** The production version of a model as the registry's `models` table records it. */
export interface ProductionModel {
  name: string;
  version: string;
  artifactPrefix: string;
  metadata: Record<string, unknown>;
}

/** Version `version` of `name` whatever its stage (a pinned experiment arm or canary), or undefined. */
export async function registeredModel(
  db: SqlExecutor,
  name: string,
  version: string,
): Promise<ProductionModel | undefined> {
  const row = await db.get<Record<string, unknown>>(
    'SELECT name, version, artifact_prefix, metadata FROM models WHERE name = $1 AND version = $2',
    [name, version],
  );
  return row ? modelOf(row) : undefined;
}

/** The newest production version of `name`, or undefined when none was promoted. */
export async function productionModel(db: SqlExecutor, name: string): Promise<ProductionModel | undefined> {
  const row = await db.get<Record<string, unknown>>(
    `SELECT name, version, artifact_prefix, metadata FROM models WHERE name = $1 AND stage = 'production'
      ORDER BY promoted_at DESC LIMIT 1`,
    [name],
  );
  return row ? modelOf(row) : undefined;
}

function modelOf(row: Record<string, unknown>): ProductionModel {
  let metadata: Record<string, unknown> = {};
  try {
    metadata = JSON.parse(String(row.metadata ?? '{}')) as Record<string, unknown>;
  } catch {
    // The registry writes this column with JSON.stringify, so only a hand edit breaks it; loading checks
    // the artifact's own metadata.json, not this copy, so an empty one here refuses nothing wrongly.
  }
  return {
    name: String(row.name),
    version: String(row.version),
    artifactPrefix: String(row.artifact_prefix),
    metadata,
  };
}
