/**
 * Schema migrations: one source for both dialects, `migrations/NNN_name.sql`, applied in version order
 * and recorded in `schema_migrations`. Files are written in the SQL both SQLite and PostgreSQL accept;
 * where they truly differ, a line may start `-- sqlite: ` or `-- postgres: ` (see `forDialect`).
 * An applied file must never be edited: add a new one instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type Dialect, forDialect } from './sql.ts';
import type { TxExecutor } from './tx-scope.ts';

/** One migration file, its SQL already shaped for a dialect. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Every migration in `dir`, in version order; throws on a misnamed file or a repeated version. */
export function loadMigrations(dialect: Dialect, dir: URL = new URL('./migrations/', import.meta.url)): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE.exec(file);
    if (!match) throw new Error(`MetadataStore: migration file "${file}" is not named NNN_name.sql`);
    const [, version, name] = match as unknown as [string, string, string];
    if (migrations.some((m) => m.version === version)) {
      throw new Error(`MetadataStore: two migration files share version ${version}`);
    }
    migrations.push({ version, name, sql: forDialect(readFileSync(new URL(file, dir), 'utf8'), dialect) });
  }
  return migrations;
}

/**
 * Applies the migrations `tx` has not seen yet and records each one. The caller runs this inside one
 * transaction that no other migrator can enter at the same time, so it is all or nothing.
 * @returns the versions applied now
 */
export async function applyMigrations(tx: TxExecutor, migrations: readonly Migration[]): Promise<string[]> {
  await tx.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const done = new Set(
    (await tx.all<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      await tx.exec(m.sql);
    } catch (err) {
      throw new Error(`MetadataStore: migration ${m.version}_${m.name} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      m.version,
      m.name,
      Date.now(),
    ]);
    applied.push(m.version);
  }
  return applied;
}
