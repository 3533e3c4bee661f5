/**
 * The two-tower query tower at serving time: an onnxruntime session over the exported graph, with the
 * artifact's metadata checked at load (schema version, family, declared inputs matching the graph, and
 * optionally the index's dimension), so a mismatched artifact fails loudly before any request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { IDS_FILE, METADATA_FILE } from '../model-format/artifact-files.ts';
import { checkMetadata, type GraphInfo, type ModelMetadata } from '../model-format/metadata.ts';
import { checkSessionAgainst, toOrtFeed } from '../model-format/onnx-session.ts';
import { encodeUsers, type TowerUser, type TwoTowerSpec } from '../model-format/two-tower.encode.ts';
import type { QueryEmbedder } from './index-holder.ts';

/** One query by dense indices: `user` undefined (or unknown) uses the unknown-user bucket. */
export interface QueryTowerInput {
  user?: number | undefined;
  /** Video indices the user engaged with, oldest first; only the most recent `historyLen` are used. */
  history: readonly number[];
  /** User attributes; defaults to the exported table's row for a known user, all-unknown otherwise. */
  attrs?: TowerUser;
}

/** Load options: what the caller's index expects of the model. */
export interface QueryTowerOptions {
  /** Refuse the model unless its embedding size is this (the ANN index's dims). */
  dims?: number;
}

function sessionOptions(): ort.InferenceSession.SessionOptions {
  // One request embeds one user: threads would cost more to wake than the ~100 µs graph takes.
  return { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
}

/** A loaded query tower; also a `QueryEmbedder` for the retrieval index (platform ids in, vector out). */
export class QueryTower implements QueryEmbedder {
  readonly metadata: ModelMetadata;
  readonly dims: number;
  private readonly spec: TwoTowerSpec;
  private readonly session: ort.InferenceSession;
  private readonly info: GraphInfo;
  private readonly users: Map<string, number>;
  private readonly videos: Map<string, number>;
  private readonly userAttrs: (i: number) => TowerUser;

  private constructor(
    meta: ModelMetadata,
    session: ort.InferenceSession,
    ids: { users: string[]; videos: string[] },
    userAttrs: (i: number) => TowerUser,
  ) {
    this.metadata = meta;
    this.spec = { vocab: meta.vocab, hp: meta.hyperparameters as unknown as TwoTowerSpec['hp'] };
    this.dims = this.spec.hp.dim;
    this.session = session;
    this.info = meta.graphs.query_tower!;
    this.users = new Map(ids.users.map((id, i) => [id, i]));
    this.videos = new Map(ids.videos.map((id, i) => [id, i]));
    this.userAttrs = userAttrs;
  }

  /** Loads `query_tower.onnx` and its metadata from an exported two-tower directory. */
  static async load(dir: string, opts: QueryTowerOptions = {}): Promise<QueryTower> {
    const meta = checkMetadata(JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8')), 'two_tower', [
      'query_tower',
    ]);
    const dim = (meta.hyperparameters as { dim?: unknown }).dim;
    if (typeof dim !== 'number' || meta.dims.embedding !== dim)
      throw new Error(`${dir}: metadata embedding size is inconsistent`);
    if (opts.dims !== undefined && dim !== opts.dims) {
      throw new Error(
        `${dir}: query tower embeds into ${dim} dims but the index has ${opts.dims}; export them together`,
      );
    }
    const info = meta.graphs.query_tower!;
    const session = await ort.InferenceSession.create(readFileSync(join(dir, info.file)), sessionOptions());
    checkSessionAgainst(session, info, `${dir}/${info.file}`);
    const ids = JSON.parse(readFileSync(join(dir, IDS_FILE), 'utf8')) as { users: string[]; videos: string[] };
    if (ids.users.length !== meta.vocab.users || ids.videos.length !== meta.vocab.videos) {
      throw new Error(`${dir}: ${IDS_FILE} does not match the vocabulary sizes in metadata`);
    }
    const attrs = readUserTable(dir, meta);
    return new QueryTower(meta, session, ids, attrs);
  }

  /** Embeddings [inputs × dims] for queries given by dense indices. */
  async embedIndices(inputs: readonly QueryTowerInput[]): Promise<Float32Array> {
    const rows = inputs.map((q) => {
      const known = q.user !== undefined && Number.isInteger(q.user) && q.user >= 0 && q.user < this.spec.vocab.users;
      return {
        user: q.user,
        attrs: q.attrs ?? (known ? this.userAttrs(q.user as number) : undefined),
        history: q.history,
      };
    });
    const out = await this.session.run(toOrtFeed(encodeUsers(this.spec, rows), this.info));
    return out.user_embedding!.data as Float32Array;
  }

  /** `QueryEmbedder`: platform ids in; unknown users and videos fall back to the unknown buckets. */
  async embed(input: { userId?: string; history: readonly string[] }): Promise<Float32Array> {
    const user = input.userId === undefined ? undefined : this.users.get(input.userId);
    const history = input.history.map((id) => this.videos.get(id)).filter((v): v is number => v !== undefined);
    return this.embedIndices([{ user, history }]);
  }

  /** Releases the onnxruntime session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

/** The user attribute table exported with the weights (categorical and numeric columns by user). */
function readUserTable(dir: string, meta: ModelMetadata): (i: number) => TowerUser {
  const manifest = JSON.parse(readFileSync(join(dir, meta.weights.manifest), 'utf8')) as {
    name: string;
    shape: number[];
    offset: number;
  }[];
  const buf = readFileSync(join(dir, meta.weights.file));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const table = (name: string) => {
    const e = manifest.find((m) => m.name === name);
    if (!e) throw new Error(`${dir}: weights lack '${name}'`);
    return { data: all.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)), width: e.shape[1] ?? 0 };
  };
  const cats = table('table.user_cats');
  const nums = table('table.user_nums');
  return (i) => ({
    cats: Array.from(cats.data.subarray(i * cats.width, (i + 1) * cats.width)),
    nums: Array.from(nums.data.subarray(i * nums.width, (i + 1) * nums.width)),
  });
}
