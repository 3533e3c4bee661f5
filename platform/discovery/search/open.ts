import type { MetadataStore } from '../../../core/metadata/ports.ts';
import type { SearchIndex } from './ports.ts';
import { postgresSearchIndex } from './search.postgres.ts';
import { sqliteSearchIndex } from './search.sqlite.ts';

const backends = { sqlite: sqliteSearchIndex, postgres: postgresSearchIndex } as const;

/**
 * The search index of the metadata store's database: its tables live beside the catalogue (migration
 * 024), so METADATA_URL (`sqlite://` or `postgres://`) picks the backend.
 */
export function openSearchIndex(metadata: MetadataStore): SearchIndex {
  return backends[metadata.dialect](metadata);
}
