import type { ObjectStore } from '../core/objects/ports.ts';
import { type AnnKind, createAnnIndex, loadAnnIndex } from './ann/open.ts';
import type { AnnIndex } from './ann/ports.ts';
import { VectorRows } from './vector-rows.ts';

/**
 * One ANN index with its own key space: key i is video `ids[i]`, with its unit vector kept beside the
 * index (the similar-items source and history queries read vectors; the ANN port does not return them).
 */
export interface IndexSnapshot {
  readonly version: string;
  readonly dims: number;
  /** Epoch ms the index was built: when it was written, for an artifact; when it was made, otherwise. */
  readonly builtAt: number;
  readonly index: AnnIndex;
  readonly ids: string[];
  readonly keyOf: Map<string, number>;
  /** Row `key` is video `ids[key]`'s unit vector. */
  readonly vectors: VectorRows;
  /** The query tower exported with these item vectors; absent for content-only indexes. */
  readonly query?: QueryEmbedder;
}

/** Turns a viewer into a query vector in the index's space (the trained query tower). */
export interface QueryEmbedder {
  readonly dims: number;
  embed(input: {
    actor: string;
    userId?: string;
    history: readonly string[];
    nowMs: number;
  }): Promise<Float32Array | undefined>;
}

/** A snapshot over `ids` and their row-major unit `vectors` (n × dims), built now (or at `builtAt`). */
export function buildSnapshot(
  version: string,
  ids: readonly string[],
  vectors: Float32Array,
  kind: AnnKind = 'brute-force',
  builtAt: number = Date.now(),
): IndexSnapshot {
  const dims = vectors.length / Math.max(1, ids.length);
  if (ids.length === 0 || !Number.isInteger(dims))
    throw new Error(`index ${version}: ${ids.length} ids but ${vectors.length} floats`);
  const index = createAnnIndex(kind, dims);
  index.add(
    ids.map((_, i) => i),
    vectors,
  );
  return snapshotOf(version, index, [...ids], vectors, builtAt);
}

/** The same index and vectors with a query tower attached (both come from one model version). */
export function withQueryTower(s: IndexSnapshot, query: QueryEmbedder): IndexSnapshot {
  if (query.dims !== s.dims) throw new Error(`query tower has ${query.dims} dims, index ${s.version} has ${s.dims}`);
  return { ...s, query };
}

function snapshotOf(
  version: string,
  index: AnnIndex,
  ids: string[],
  vectors: Float32Array,
  builtAt: number,
): IndexSnapshot {
  const dims = index.dims;
  return {
    version,
    dims,
    builtAt,
    index,
    ids,
    keyOf: new Map(ids.map((id, i) => [id, i])),
    vectors: new VectorRows(dims, vectors.subarray(0, ids.length * dims)),
  };
}

/**
 * Holds the serving index. `current()` is read once per request, so a request uses one snapshot from
 * start to end; `swap()` replaces the reference in one assignment, so no request ever sees a half-loaded
 * index and none fails during a promote.
 */
export class IndexHolder {
  #current: IndexSnapshot | undefined;
  readonly #listeners: ((s: IndexSnapshot) => void)[] = [];

  current(): IndexSnapshot | undefined {
    return this.#current;
  }

  /** Installs a new snapshot; returns the previous one. */
  swap(next: IndexSnapshot): IndexSnapshot | undefined {
    const prev = this.#current;
    this.#current = next;
    for (const l of this.#listeners) l(next);
    return prev;
  }

  /** Told after every swap (the new-video indexer back-fills videos the new index lacks). */
  onSwap(listener: (s: IndexSnapshot) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Adds (or replaces) videos in the current snapshot. Node runs this between requests, never during a
   * search, which is what the ANN port asks of writers.
   */
  add(ids: readonly string[], vectors: Float32Array): number {
    const s = this.#current;
    if (!s || ids.length === 0) return 0;
    if (vectors.length !== ids.length * s.dims)
      throw new Error(`index add: ${ids.length} ids, ${vectors.length} floats`);
    const keys: number[] = [];
    ids.forEach((id, r) => {
      let key = s.keyOf.get(id);
      if (key === undefined) {
        key = s.ids.length;
        s.ids.push(id);
        s.keyOf.set(id, key);
      }
      s.vectors.set(key, vectors.subarray(r * s.dims, (r + 1) * s.dims));
      keys.push(key);
    });
    s.index.add(keys, vectors);
    return ids.length;
  }
}

/** Where an index lives under a model's artifact prefix (with or without the registry's trailing slash). */
export const indexArtifactKeys = (prefix: string) => {
  const p = prefix.replace(/\/+$/, '');
  return { index: `${p}/ann/index.bin`, meta: `${p}/ann/meta.json`, vectors: `${p}/ann/vectors.f32` };
};

interface IndexMeta {
  version: string;
  dims: number;
  ids: string[];
}

/** Writes a snapshot as three objects (serialised index, ids, raw vectors); meta last, so readers never see a partial set. */
export async function writeIndexArtifact(objects: ObjectStore, prefix: string, s: IndexSnapshot): Promise<void> {
  const keys = indexArtifactKeys(prefix);
  const flat = s.vectors.flat().slice(0, s.ids.length * s.dims);
  await objects.put(keys.index, s.index.serialize(), { contentType: 'application/octet-stream' });
  await objects.put(keys.vectors, Buffer.from(flat.buffer), { contentType: 'application/octet-stream' });
  const meta: IndexMeta = { version: s.version, dims: s.dims, ids: s.ids };
  await objects.put(keys.meta, Buffer.from(JSON.stringify(meta)), { contentType: 'application/json' });
}

/** Reads a snapshot written by `writeIndexArtifact`; undefined when the prefix holds none. */
export async function readIndexArtifact(objects: ObjectStore, prefix: string): Promise<IndexSnapshot | undefined> {
  const keys = indexArtifactKeys(prefix);
  const written = await objects.head(keys.meta);
  if (!written) return undefined;
  const meta = JSON.parse((await objects.getBuffer(keys.meta)).toString()) as IndexMeta;
  const [indexBuf, vecBuf] = await Promise.all([objects.getBuffer(keys.index), objects.getBuffer(keys.vectors)]);
  const vectors = new Float32Array(vecBuf.buffer.slice(vecBuf.byteOffset, vecBuf.byteOffset + vecBuf.byteLength));
  if (vectors.length !== meta.ids.length * meta.dims) throw new Error(`index ${prefix}: vectors do not match ids`);
  // The meta object is written last, so its time is when the index was complete.
  return snapshotOf(meta.version, loadAnnIndex(indexBuf), meta.ids, vectors, written.lastModified);
}
