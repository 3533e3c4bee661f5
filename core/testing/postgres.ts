/**
 * PostgreSQL for tests: each test file gets its own schema in the shared database, so files running in
 * parallel never see each other's rows. TEST_PG_URL overrides the server and database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const DEFAULT_BASE = 'postgres://root@127.0.0.1:5432/test';

/** A URL to a fresh, unique schema (created on first open) for the test file called `name`. */
export function testPostgresUrl(name: string): string {
  const base = new URL(process.env.TEST_PG_URL ?? DEFAULT_BASE);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  base.searchParams.set('schema', `t_${slug}_${process.pid}_${randomBytes(4).toString('hex')}`);
  return base.href;
}

/** Drops the schema a `testPostgresUrl` names, with everything in it; a no-op when it does not exist. */
export async function dropTestSchema(url: string): Promise<void> {
  const target = new URL(url);
  const schema = target.searchParams.get('schema');
  if (!schema || !/^t_[a-z0-9_]+$/.test(schema)) throw new Error(`dropTestSchema: ${url} names no test schema`);
  target.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: target.href });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
