import type { Component, Telemetry } from '../core/telemetry/telemetry.ts';
import type { Catalog, CatalogVideo } from './catalog.ts';
import { coldStartVectors } from './cold-start-embedding.ts';
import type { ContentEmbedder } from './content-embedding.ts';
import { buildSnapshot, type IndexHolder } from './index-holder.ts';

/**
 * Keeps every servable video in the serving index: videos that become ready are added within one
 * catalogue refresh, incrementally (no rebuild), and after a swap the videos the new index lacks
 * (uploaded after its export) are back-filled. A content index embeds them with the content embedder;
 * a trained index (one with a query tower) with their cold-start vectors in its own space
 * (`coldStartVectors`: the mean of indexed neighbours by creator, hashtag and caption word). With no index at all it builds one from content
 * embeddings, so item-to-item retrieval works before any model is trained. Failures are logged and
 * counted (component `index-maintainer`); additions are counted in `foryou_ann_index_added_total`.
 */
export class IndexMaintainer {
  readonly #holder: IndexHolder;
  readonly #catalog: Catalog;
  readonly #embedder: ContentEmbedder;
  #pending = new Map<string, CatalogVideo>();
  #running: Promise<void> | undefined;
  readonly #component: Component;
  readonly #addedTotal;
  /** Videos added from content embeddings since start. */
  added = 0;
  lastError: string | undefined;

  constructor(deps: { holder: IndexHolder; catalog: Catalog; embedder: ContentEmbedder; telemetry: Telemetry }) {
    this.#holder = deps.holder;
    this.#catalog = deps.catalog;
    this.#embedder = deps.embedder;
    this.#component = deps.telemetry.component('index-maintainer');
    this.#addedTotal = deps.telemetry.counter({
      name: 'foryou_ann_index_added_total',
      help: 'Videos added to the serving ANN index from content embeddings (uploads newer than the index)',
    });
    this.#catalog.onAdded((videos) => {
      for (const v of videos) this.#pending.set(v.id, v);
      void this.flush();
    });
    this.#holder.onSwap(() => {
      void this.backfill();
    });
  }

  /**
   * Adds every catalogue video the current index lacks (or builds a content index when there is none).
   * Never rejects: a failure is kept in `lastError` and retried on the next added video or swap.
   */
  async backfill(): Promise<void> {
    const s = this.#holder.current();
    if (!s) {
      const videos = this.#catalog.all();
      if (videos.length === 0) return;
      try {
        const vectors = await this.#embedder.embed(videos);
        if (this.#holder.current()) return this.backfill();
        const ids = videos.map((v) => v.id);
        this.#holder.swap(buildSnapshot(`content-${videos.length}`, ids, vectors));
        this.#component.log.info({ videos: ids.length }, 'built a content index (no trained index yet)');
      } catch (err) {
        this.lastError = (err as Error).message;
        this.#component.failed(err, 'building the content index failed; retried on the next upload or swap', {
          videos: videos.length,
        });
      }
      return;
    }
    for (const v of this.#catalog.all()) if (!s.keyOf.has(v.id)) this.#pending.set(v.id, v);
    await this.flush();
  }

  /** Embeds and adds the pending videos; concurrent calls share one run. */
  flush(): Promise<void> {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending.values()].slice(0, 512);
      for (const v of batch) this.#pending.delete(v.id);
      const s = this.#holder.current();
      if (!s) {
        await this.backfill();
        return;
      }
      const trained = s.query !== undefined;
      if (!trained && s.dims !== this.#embedder.dims) {
        this.lastError = `content embedder has ${this.#embedder.dims} dims, index ${s.version} has ${s.dims}`;
        this.#component.failed(new Error(this.lastError), 'new videos cannot join the index: dimensions differ', {
          index: s.version,
          pending: this.#pending.size + batch.length,
        });
        return;
      }
      try {
        const todo = batch.filter((v) => !s.keyOf.has(v.id));
        if (todo.length === 0) continue;
        const vectors = trained
          ? (await coldStartVectors(s, this.#catalog, todo)).vectors
          : await this.#embedder.embed(todo);
        const n = this.#holder.add(
          todo.map((v) => v.id),
          vectors,
        );
        this.added += n;
        this.#addedTotal.inc(n);
      } catch (err) {
        this.lastError = (err as Error).message;
        for (const v of batch) this.#pending.set(v.id, v);
        this.#component.failed(err, 'adding new videos to the index failed; retried on the next change', {
          videos: batch.length,
        });
        return;
      }
    }
  }
}
