/** A trained multi-task ranker for inference (tfjs); the ONNX export serves the same function. */

import { RANKING_HEADS, type RankingHead } from '../../../model-format/heads.ts';
import type { Params } from '../../../model-format/weights.ts';
import { feedToTf } from '../common/feed.tf.ts';
import { tfOps } from '../common/ops.tf.ts';
import { toTensors } from '../common/params.ts';
import { tf } from '../common/tf.ts';
import type { ExternalIds } from '../two-tower/two-tower.model.ts';
import type { RankingInput, RankingModel } from '../types.ts';
import { encodeRanker, type RankerRow, type RankerSpec, rankerScores } from './model.ts';

/** Training time and throughput, plus the data it was trained on. */
export interface RankerStats {
  seconds: number;
  steps: number;
  examplesPerSec: number;
  finalLoss: number;
  backend: string;
  dataset: string;
  dataHash: string;
}

const CHUNK = 4096;

/** The ranker as evaluation and offline scoring see it. */
export class RankerModel implements RankingModel {
  readonly name = 'ranker';
  readonly heads = RANKING_HEADS;
  readonly spec: RankerSpec;
  readonly params: Params;
  /** Author of each catalogue video (the ranker embeds authors; `RankingInput` carries only the video). */
  readonly videoAuthors: Int32Array;
  readonly stats: RankerStats | undefined;
  /** External ids by dense index, so serving can map platform ids to embedding rows. */
  readonly ids: ExternalIds;
  private readonly tensors: Map<string, tf.Tensor>;

  constructor(spec: RankerSpec, params: Params, videoAuthors: Int32Array, ids: ExternalIds, stats?: RankerStats) {
    this.spec = spec;
    this.ids = ids;
    this.params = params;
    this.videoAuthors = videoAuthors;
    this.stats = stats;
    this.tensors = toTensors(params);
  }

  /** Scores rows given directly by ids and features: [rows × heads] in `RANKING_HEADS` order. */
  scoreRows(rows: readonly RankerRow[]): Float32Array {
    const H = RANKING_HEADS.length;
    const out = new Float32Array(rows.length * H);
    for (let s = 0; s < rows.length; s += CHUNK) {
      const feed = encodeRanker(this.spec, rows.slice(s, s + CHUNK));
      const y = tf.tidy(() => rankerScores(tfOps(this.tensors, feedToTf(feed)), this.spec));
      out.set(y.dataSync(), s * H);
      y.dispose();
    }
    return out;
  }

  predict(inputs: readonly RankingInput[]): Record<RankingHead, Float32Array> {
    const flat = this.scoreRows(
      inputs.map((i) => ({
        user: i.example.user,
        video: i.example.video,
        author: this.videoAuthors[i.example.video] ?? 0,
        features: i.features,
      })),
    );
    const H = RANKING_HEADS.length;
    const out = {} as Record<RankingHead, Float32Array>;
    RANKING_HEADS.forEach((h, j) => {
      const a = new Float32Array(inputs.length);
      for (let i = 0; i < inputs.length; i++) a[i] = flat[i * H + j] as number;
      out[h] = a;
    });
    return out;
  }

  /** Frees the tensors held for inference. */
  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
  }
}
