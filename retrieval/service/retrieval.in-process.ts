import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import { downloadArtifacts } from '../../model-format/artifact-dir.ts';
import { ModelWatcher } from '../../model-format/model-watcher.ts';
import { PinnedVersions } from '../../model-format/pinned-versions.ts';
import { type ProductionModel, registeredModel } from '../../model-format/production.ts';
import type { Catalog } from '../catalog.ts';
import { type ContentEmbedder, hashedContentEmbedder } from '../content-embedding.ts';
import { ContentIndex, pinnedIndexResolver } from '../content-index.ts';
import {
  IndexHolder,
  type IndexSnapshot,
  type QueryEmbedder,
  readIndexArtifact,
  withQueryTower,
} from '../index-holder.ts';
import { IndexMaintainer } from '../index-maintainer.ts';
import { NeighbourTableJob } from '../neighbour-table.ts';
import { QueryTower } from '../query-tower.ts';
import type { Retrieval, RetrievalView } from './ports.ts';
import { snapshotView } from './snapshot-view.ts';

/** The registry name of the retrieval model (`foryou-train train` registers the two-tower under it). */
export const RETRIEVAL_MODEL = 'two_tower';

export interface InProcessRetrievalOptions {
  metadata: MetadataStore;
  objects: ObjectStore;
  /** The catalogue new videos join the index from (the caller loads and refreshes it). */
  catalog: Catalog;
  telemetry: Telemetry;
  contentEmbedder?: ContentEmbedder;
  /** Loads the query tower of a promoted two-tower version (its item vectors come from the index artifact). */
  loadQueryTower?: (m: ProductionModel) => Promise<QueryEmbedder | undefined>;
  modelPollMs?: number;
}

/**
 * Retrieval in this process: the index holder, the watcher that installs production's two-tower index,
 * the maintainer that adds uploads to it (or builds a content index before any model), the neighbour
 * table job, and the versions arms pin. The retrieval service process runs exactly this.
 */
export class InProcessRetrieval implements Retrieval {
  readonly holder = new IndexHolder();
  readonly maintainer: IndexMaintainer;
  readonly watcher: ModelWatcher<IndexSnapshot>;
  readonly neighbours: NeighbourTableJob;
  /** Registered versions loaded on demand, or the content index (`content`) built on first use. */
  readonly #pinned: { get(version: string): IndexSnapshot | undefined };
  readonly #registered: PinnedVersions<IndexSnapshot>;
  readonly #o: InProcessRetrievalOptions;

  constructor(o: InProcessRetrievalOptions) {
    this.#o = o;
    const log = o.telemetry.component('feed');
    const embedder = o.contentEmbedder ?? hashedContentEmbedder(64);
    this.maintainer = new IndexMaintainer({
      holder: this.holder,
      catalog: o.catalog,
      embedder,
      telemetry: o.telemetry,
    });
    // Similar-items reads each seed's neighbours from a table searched once per snapshot, not per request.
    this.neighbours = new NeighbourTableJob(this.holder, {
      onError: (err) => log.failed(err, 'building the neighbour table failed'),
    });
    // By default the ONNX artifacts of the promoted versions are fetched from the object store and loaded.
    const loadQueryTower =
      o.loadQueryTower ??
      (async (m: ProductionModel) => QueryTower.load(await downloadArtifacts(o.objects, m.artifactPrefix)));
    const load = async (m: ProductionModel) => {
      const snap = await readIndexArtifact(o.objects, m.artifactPrefix);
      if (!snap) throw new Error(`model ${m.name} ${m.version} has no ANN index under ${m.artifactPrefix}`);
      const tower = await loadQueryTower(m);
      return tower ? withQueryTower(snap, tower) : snap;
    };
    this.watcher = new ModelWatcher<IndexSnapshot>({
      db: o.metadata,
      name: RETRIEVAL_MODEL,
      load,
      install: (snap) => this.holder.swap(snap),
      telemetry: o.telemetry,
    });
    // A pinned index is the version's own artifact: it does not receive later uploads. At most 2 loaded.
    this.#registered = new PinnedVersions<IndexSnapshot>({
      max: 2,
      load: async (version) => {
        const m = await registeredModel(o.metadata, RETRIEVAL_MODEL, version);
        if (!m) throw new Error(`model ${RETRIEVAL_MODEL}@${version} is not registered`);
        return load(m);
      },
      onError: (version, err) =>
        log.failed(err, `pinned ${RETRIEVAL_MODEL}@${version} could not be loaded; its arm is served by production`),
    });
    // An arm may also pin the content index beside a promoted two-tower (built on its first request).
    const content = new ContentIndex({ catalog: o.catalog, embedder, telemetry: o.telemetry });
    this.#pinned = pinnedIndexResolver(content, this.#registered);
  }

  view(pinnedVersion?: string | null): RetrievalView | undefined {
    const s = (pinnedVersion ? this.#pinned.get(pinnedVersion) : undefined) ?? this.holder.current();
    return s && snapshotView(s);
  }

  /** Resolves once `version` is loaded (or failed): `view(version)` then serves it. */
  pinnedReady(version: string): Promise<void> {
    return this.#registered.ready(version);
  }

  index() {
    const s = this.holder.current();
    return s && { version: s.version, size: s.ids.length, dims: s.dims, builtAt: s.builtAt };
  }

  model() {
    return this.watcher.status();
  }

  /** Installs production's index (or builds a content one), then follows the registry. Never throws. */
  async start(): Promise<void> {
    await this.watcher.poll();
    // backfill() reports its own failures and never rejects; this catch is for a bug in it.
    await this.maintainer
      .backfill()
      .catch((err) => this.#o.telemetry.component('feed').failed(err, 'index back-fill threw'));
    this.watcher.start(this.#o.modelPollMs ?? 5_000);
    this.neighbours.start();
  }

  async close(): Promise<void> {
    await this.neighbours.close();
    this.watcher.stop();
  }
}
