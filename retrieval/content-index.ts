import type { Telemetry } from '../core/telemetry/telemetry.ts';
import type { Catalog } from './catalog.ts';
import type { ContentEmbedder } from './content-embedding.ts';
import { IndexHolder, type IndexSnapshot } from './index-holder.ts';
import { IndexMaintainer } from './index-maintainer.ts';

/**
 * The retrieval version an experiment arm pins (`sources.two_tower.model_version: content`) to be
 * served the content index (content embeddings, no trained two-tower) while production serves a trained
 * one: the learning loop's frozen arm and a two-tower canary's control need it, since a promoted
 * two-tower replaces the content index for everyone else. Not a registry version: the registry's are
 * timestamps, so the name cannot collide.
 */
export const CONTENT_INDEX_VERSION = 'content';

/**
 * The content index kept beside production for the arms that pin it. Built on the first `get()` (no
 * memory is spent while no arm pins it) from the whole catalogue, then kept current like the serving
 * index: new uploads are added within one catalogue refresh, embedded from content. `get()` answers at
 * once: the snapshot, or undefined while it is built (the arm is served by production meanwhile, and the
 * serve log's `index_version` says which index served).
 */
export class ContentIndex {
  readonly #deps: { catalog: Catalog; embedder: ContentEmbedder; telemetry: Telemetry };
  #holder: IndexHolder | undefined;

  constructor(deps: { catalog: Catalog; embedder: ContentEmbedder; telemetry: Telemetry }) {
    this.#deps = deps;
  }

  get(): IndexSnapshot | undefined {
    if (!this.#holder) {
      this.#holder = new IndexHolder();
      // The maintainer builds the index from the catalogue (its holder is empty) and then adds uploads;
      // it reports its own failures and retries on the next upload.
      void new IndexMaintainer({ ...this.#deps, holder: this.#holder }).backfill();
    }
    return this.#holder.current();
  }

  /** Whether an arm has asked for it yet (the index is built only then). */
  get started(): boolean {
    return this.#holder !== undefined;
  }
}

/**
 * Resolves the retrieval version an arm pins: the content index for `content`, else the registered
 * version loaded on demand.
 */
export function pinnedIndexResolver(
  content: ContentIndex,
  registered: { get(version: string): IndexSnapshot | undefined },
): { get(version: string): IndexSnapshot | undefined } {
  return { get: (version) => (version === CONTENT_INDEX_VERSION ? content.get() : registered.get(version)) };
}
