/**
 * Child process for the durability tests: inserts dead-letter rows in a loop, alternating plain
 * statements and transactions, and prints each id only after its write resolved. The parent kills it
 * with SIGKILL and checks that every printed id survived.
 * Usage: node core/metadata/durability.child.ts <metadata-url> <max-rows>
 */
import { newId } from '../ids.ts';
import { openMetadataStore } from './open.ts';

const [url, maxRows] = process.argv.slice(2);
if (!url || !maxRows) throw new Error('usage: durability.child.ts <metadata-url> <max-rows>');
const store = await openMetadataStore(url);
const insert = 'INSERT INTO dead_letters (id, source, reason, payload, created_at) VALUES ($1, $2, $3, $4, $5)';
for (let i = 0; i < Number(maxRows); i++) {
  const id = newId();
  if (i % 2 === 0) await store.run(insert, [id, 'durability', 'plain', '{}', Date.now()]);
  else await store.transaction((tx) => tx.run(insert, [id, 'durability', 'transaction', '{}', Date.now()]));
  // Pipes are synchronous on Linux, so the parent has the line before the next write starts.
  process.stdout.write(`${id}\n`);
}
await store.close();
