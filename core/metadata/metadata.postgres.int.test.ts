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

  it('fails a transaction whose connection the server ends, without an uncaught error', async () => {
    // As a fast shutdown does to every session (57P01): the checked-out client's 'error' event used to
    // have no listener and end the process (the API died in the outage drill's PostgreSQL stop).
    const store = await openMetadataStore(url);
    const killer = await openMetadataStore(url);
    try {
      const failed = await store
        .transaction(async (tx) => {
          const [me] = await tx.all<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await killer.all('SELECT pg_terminate_backend($1)', [me!.pid]);
          // The 'error' event arrives while the client is still checked out, then the next query fails.
          await new Promise((r) => setTimeout(r, 200));
          await tx.all('SELECT 1');
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failed).toBeInstanceOf(Error);
      expect(await store.all('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await killer.close();
      await store.close();
    }
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
