import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { writeUntilKilled } from './durability.testkit.ts';
import { describeMetadataStoreContract } from './metadata.contract.ts';
import { openMetadataStore } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-metadata-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fileUrl = (name: string) => `sqlite://${join(dir, name)}`;

describeMetadataStoreContract('sqlite file', () => openMetadataStore(fileUrl('contract.db')));
describeMetadataStoreContract('sqlite memory', () => openMetadataStore('sqlite://:memory:'));

describe('SQLite MetadataStore', () => {
  it('keeps committed rows after close and reopen', async () => {
    const url = fileUrl('reopen.db');
    const id = newId();
    const first = await openMetadataStore(url);
    await first.migrate();
    await first.run('INSERT INTO dead_letters (id, source, reason, payload, created_at) VALUES ($1, $2, $3, $4, $5)', [
      id,
      'test',
      'reopen',
      '{"a":1}',
      123,
    ]);
    await first.close();
    const second = await openMetadataStore(url);
    await second.migrate();
    expect(await second.get('SELECT payload, created_at FROM dead_letters WHERE id = $1', [id])).toEqual({
      payload: '{"a":1}',
      created_at: 123,
    });
    await second.close();
  });

  it('resolves relative paths, creates parent folders and turns on WAL, synchronous=FULL and foreign keys', async () => {
    const store = await openMetadataStore(fileUrl('nested/deeper/pragmas.db'));
    expect(await store.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await store.get('PRAGMA synchronous')).toEqual({ synchronous: 2 });
    expect(await store.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
    await store.close();
  });

  it('keeps every write a SIGKILLed process saw resolve', async () => {
    const url = fileUrl('durability.db');
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

  it('names the supported schemes when given an unknown one', async () => {
    await expect(openMetadataStore('mysql://localhost/db')).rejects.toThrow(/sqlite:.*postgres:/);
  });
});

describe('SQLite MetadataStore on one file opened twice in a process', () => {
  it('lets both stores migrate and write at once, and stay usable until the last one closes', async () => {
    const url = fileUrl('twice.db');
    const [a, b] = await Promise.all([openMetadataStore(url), openMetadataStore(url)]);
    await Promise.all([a.migrate(), b.migrate()]);
    const ids = [newId(), newId()];
    await Promise.all([
      a.transaction((tx) => tx.run("INSERT INTO idempotency VALUES ($1, 'a', 1)", [ids[0]!])),
      b.transaction((tx) => tx.run("INSERT INTO idempotency VALUES ($1, 'b', 1)", [ids[1]!])),
    ]);
    await a.close();
    await expect(a.ping()).rejects.toThrow(/closed/);
    expect(await b.all('SELECT response FROM idempotency ORDER BY response')).toEqual([
      { response: 'a' },
      { response: 'b' },
    ]);
    await b.close();
  });
});
