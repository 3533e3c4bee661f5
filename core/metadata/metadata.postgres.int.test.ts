import { afterAll, describe, expect, it } from 'vitest';
import { dropTestSchema, testPostgresUrl } from '../testing/postgres.ts';
import { writeUntilKilled } from './durability.testkit.ts';
import { describeMetadataStoreContract } from './metadata.contract.ts';
import { openMetadataStore } from './open.ts';

const url = testPostgresUrl('metadata');
afterAll(() => dropTestSchema(url));

describeMetadataStoreContract('postgres', () => openMetadataStore(url));

describe('PostgreSQL MetadataStore', () => {
  it('lets concurrent migrate() calls from separate pools finish with each migration applied once', async () => {
    const fresh = testPostgresUrl('metadata_race');
    try {
      const stores = await Promise.all([openMetadataStore(fresh), openMetadataStore(fresh), openMetadataStore(fresh)]);
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await stores[0]!.all('SELECT version FROM schema_migrations');
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.version)).size).toBe(rows.length);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await dropTestSchema(fresh);
    }
  });

  it('keeps every write a SIGKILLed process saw resolve', async () => {
    const setup = await openMetadataStore(url);
    await setup.migrate();
    await setup.close();
    const printed = await writeUntilKilled(url, 200);
    const store = await openMetadataStore(url);
    const rows = await store.all<{ id: string }>("SELECT id FROM dead_letters WHERE source = 'durability'");
    const stored = new Set(rows.map((r) => r.id));
    expect(printed.length).toBeGreaterThanOrEqual(200);
    expect(printed.filter((id) => !stored.has(id))).toEqual([]);
    await store.close();
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(openMetadataStore('postgres://root@127.0.0.1:5432/test?schema=a;drop')).rejects.toThrow(
      /not a plain SQL identifier/,
    );
  });

  it('names the server it could not reach', async () => {
    await expect(openMetadataStore('postgres://root@127.0.0.1:1/test')).rejects.toThrow(/127\.0\.0\.1:1/);
  });
});
