import { openByScheme } from '../open-by-url.ts';
import { openPostgresMetadataStore } from './metadata.postgres.ts';
import { openSqliteMetadataStore } from './metadata.sqlite.ts';
import type { MetadataStore } from './ports.ts';

export { isUniqueViolation } from './errors.ts';

const backends = {
  'sqlite:': openSqliteMetadataStore,
  'postgres:': openPostgresMetadataStore,
  'postgresql:': openPostgresMetadataStore,
} as const;

/**
 * Opens the metadata store a URL names: `sqlite://./data/foryou.db`, `sqlite:///abs/path.db`,
 * `sqlite://:memory:`, or `postgres://user@host:5432/db[?schema=name]`. Does not migrate: call `migrate()`.
 */
export function openMetadataStore(url: string): Promise<MetadataStore> {
  // `sqlite://:memory:` is the familiar spelling but not a valid URL (an empty host with a port).
  const normalised = url === 'sqlite://:memory:' ? 'sqlite::memory:' : url;
  return openByScheme('MetadataStore', normalised, backends);
}
