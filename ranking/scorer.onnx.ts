/**
 * The multi-task ranker at serving time: an onnxruntime session over the exported `ranker.onnx`,
 * batch-scoring candidates into one array per head. Checks the artifact's metadata at load, including
 * that its feature names are the serving feature module's, so features can never be silently shifted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FEATURE_NAMES, FEATURE_VERSION } from '../feature-store/definitions.ts';
import { IDS_FILE, METADATA_FILE } from '../model-format/artifact-files.ts';
import { RANKING_HEADS, type RankingHead } from '../model-format/heads.ts';
import { checkMetadata, type GraphInfo, type ModelMetadata } from '../model-format/metadata.ts';
import { checkSessionAgainst, toOrtFeed } from '../model-format/onnx-session.ts';
import { encodeRanker, type RankerSpec } from '../model-format/ranker.encode.ts';
import type { RankerModel } from './ranker-holder.ts';

/** Optional ids of scored rows (platform ids); unknown or absent ids use the model's unknown buckets. */
export interface RankerIds {
  userId?: string;
  /** One per row. */
  videoIds?: readonly (string | undefined)[];
}

/** Load options. */
export interface OnnxRankerOptions {
  /** Version label reported to the pipeline (defaults to the metadata's creation time). */
  version?: string;
  /** Feature names serving computes, in order; the model must have been trained on exactly these. */
  featureNames?: readonly string[];
}

/** A loaded ONNX ranker; a `RankerModel` for the serving pipeline. */
export class OnnxRanker implements RankerModel {
  readonly version: string;
  readonly featureDims: number;
  readonly metadata: ModelMetadata;
  private readonly spec: Pick<RankerSpec, 'vocab' | 'featureNames'>;
  private readonly session: ort.InferenceSession;
  private readonly info: GraphInfo;
  private readonly users: Map<string, number>;
  private readonly videos: Map<string, number>;
  private readonly authors: Int32Array;

  private constructor(
    meta: ModelMetadata,
    session: ort.InferenceSession,
    version: string,
    ids: { users: string[]; videos: string[] },
    authors: Int32Array,
  ) {
    this.metadata = meta;
    this.version = version;
    this.featureDims = meta.featureNames.length;
    this.spec = { vocab: meta.vocab, featureNames: meta.featureNames };
    this.session = session;
    this.info = meta.graphs.ranker!;
    this.users = new Map(ids.users.map((id, i) => [id, i]));
    this.videos = new Map(ids.videos.map((id, i) => [id, i]));
    this.authors = authors;
  }

  /** Loads an exported ranker directory; throws a message naming the mismatch when it does not fit. */
  static async load(dir: string, opts: OnnxRankerOptions = {}): Promise<OnnxRanker> {
    const meta = checkMetadata(JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8')), 'ranker', ['ranker']);
    const want = opts.featureNames ?? FEATURE_NAMES;
    if (meta.featureNames.join() !== want.join()) {
      throw new Error(
        `${dir}: the ranker was trained on features [${meta.featureNames}] but serving computes [${want.join(',')}]; retrain it`,
      );
    }
    if (!opts.featureNames && meta.featureVersion !== FEATURE_VERSION) {
      throw new Error(
        `${dir}: the ranker's features are version ${String(meta.featureVersion ?? 1)} but serving computes version ${FEATURE_VERSION}; retrain it`,
      );
    }
    const heads = (meta.hyperparameters as { heads?: string[] }).heads ?? [];
    if (heads.join() !== RANKING_HEADS.join())
      throw new Error(`${dir}: ranker heads [${heads}] differ from [${RANKING_HEADS}]`);
    const info = meta.graphs.ranker!;
    const session = await ort.InferenceSession.create(readFileSync(join(dir, info.file)), {
      intraOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    checkSessionAgainst(session, info, `${dir}/${info.file}`);
    const ids = JSON.parse(readFileSync(join(dir, IDS_FILE), 'utf8')) as { users: string[]; videos: string[] };
    const manifest = JSON.parse(readFileSync(join(dir, meta.weights.manifest), 'utf8')) as {
      name: string;
      shape: number[];
      offset: number;
    }[];
    const entry = manifest.find((m) => m.name === 'table.video_author');
    if (!entry) throw new Error(`${dir}: weights lack the video author table`);
    const buf = readFileSync(join(dir, meta.weights.file));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const authors = Int32Array.from(all.subarray(entry.offset, entry.offset + (entry.shape[0] ?? 0)));
    return new OnnxRanker(meta, session, opts.version ?? `ranker@${meta.createdAt}`, ids, authors);
  }

  /**
   * Scores `rows` candidates whose features are row-major in `features` (rows × featureDims); returns
   * one array per head in `RANKING_HEADS` order (probabilities, then the watch ratio).
   */
  async predict(features: Float32Array, rows: number, ids: RankerIds = {}): Promise<Record<RankingHead, Float32Array>> {
    const F = this.featureDims;
    if (features.length !== rows * F) throw new Error(`ranker: ${features.length} features for ${rows} rows of ${F}`);
    const user = ids.userId === undefined ? undefined : this.users.get(ids.userId);
    const encoded = encodeRanker(
      this.spec as RankerSpec,
      Array.from({ length: rows }, (_, i) => {
        const vid = ids.videoIds?.[i];
        const video = vid === undefined ? undefined : this.videos.get(vid);
        return {
          user,
          video,
          author: video === undefined ? 0 : (this.authors[video] ?? 0),
          features: features.subarray(i * F, (i + 1) * F),
        };
      }),
    );
    const out = await this.session.run(toOrtFeed(encoded, this.info));
    const flat = out.scores!.data as Float32Array;
    const H = RANKING_HEADS.length;
    const result = {} as Record<RankingHead, Float32Array>;
    RANKING_HEADS.forEach((h, j) => {
      const a = new Float32Array(rows);
      for (let i = 0; i < rows; i++) a[i] = flat[i * H + j] as number;
      result[h] = a;
    });
    return result;
  }

  /** Releases the onnxruntime session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}
