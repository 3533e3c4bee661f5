import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import { downloadArtifacts } from '../../model-format/artifact-dir.ts';
import { ModelWatcher } from '../../model-format/model-watcher.ts';
import { PinnedVersions } from '../../model-format/pinned-versions.ts';
import { type ProductionModel, registeredModel } from '../../model-format/production.ts';
import { RankerHolder, type RankerModel } from '../ranker-holder.ts';
import { OnnxRanker } from '../scorer.onnx.ts';
import type { Ranking } from './ports.ts';

/** The registry name of the ranker (`foryou-train train` registers it under this). */
export const RANKING_MODEL = 'ranker';

export interface InProcessRankingOptions {
  metadata: MetadataStore;
  objects: ObjectStore;
  telemetry: Telemetry;
  /** Loads a registered version (default: its ONNX artifacts from the object store). */
  loadRanker?: (m: ProductionModel) => Promise<RankerModel>;
  modelPollMs?: number;
}

/**
 * Ranking in this process: the holder, the watcher that installs production's ranker, and the pinned
 * versions (at most 2, least recently used dropped). The ranking service process runs exactly this.
 */
export class InProcessRanking implements Ranking {
  readonly holder = new RankerHolder();
  readonly watcher: ModelWatcher<RankerModel>;
  readonly #pinned: PinnedVersions<RankerModel>;
  readonly #pollMs: number;

  constructor(o: InProcessRankingOptions) {
    this.#pollMs = o.modelPollMs ?? 5_000;
    const load =
      o.loadRanker ??
      (async (m: ProductionModel) =>
        OnnxRanker.load(await downloadArtifacts(o.objects, m.artifactPrefix), { version: `${m.name}@${m.version}` }));
    this.watcher = new ModelWatcher<RankerModel>({
      db: o.metadata,
      name: RANKING_MODEL,
      load,
      install: (m) => this.holder.swap(m),
      telemetry: o.telemetry,
    });
    this.#pinned = new PinnedVersions<RankerModel>({
      max: 2,
      load: async (version) => {
        const m = await registeredModel(o.metadata, RANKING_MODEL, version);
        if (!m) throw new Error(`model ${RANKING_MODEL}@${version} is not registered`);
        return load(m);
      },
      onError: (version, err) =>
        o.telemetry
          .component('feed')
          .failed(err, `pinned ${RANKING_MODEL}@${version} could not be loaded; its arm is served by production`),
    });
  }

  current(): RankerModel | undefined {
    return this.holder.current();
  }

  get(version: string): RankerModel | undefined {
    return this.#pinned.get(version);
  }

  model() {
    return this.watcher.status();
  }

  async start(): Promise<void> {
    await this.watcher.poll();
    this.watcher.start(this.#pollMs);
  }

  async close(): Promise<void> {
    this.watcher.stop();
  }
}
