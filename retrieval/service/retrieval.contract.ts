import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { capturingTelemetry } from '../../core/testing/telemetry.ts';
import { clusteredUnitVectors } from '../ann/synthetic-vectors.ts';
import { Catalog } from '../catalog.ts';
import { buildSnapshot, withQueryTower } from '../index-holder.ts';
import type { Retrieval } from './ports.ts';
import { InProcessRetrieval } from './retrieval.in-process.ts';

/** The port under test, opened over an in-process retrieval the suite controls (it swaps indexes into it). */
export interface RetrievalUnderTest {
  port: Retrieval;
  /** Makes the port see the serving version now (a remote client polls it). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const DIMS = 8;
const N = 300;
const ids = Array.from({ length: N }, (_, i) => `vid-${i}`);

function bruteForce(vectors: Float32Array, q: Float32Array, k: number): { videoId: string; score: number }[] {
  const scored = ids.map((videoId, i) => {
    let dot = 0;
    for (let j = 0; j < DIMS; j++) dot += q[j]! * vectors[i * DIMS + j]!;
    return { videoId, score: dot };
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

/** Every behaviour the retrieval port promises, for each implementation (in process, over HTTP). */
export function describeRetrievalContract(
  name: string,
  open: (local: InProcessRetrieval) => Promise<RetrievalUnderTest>,
) {
  describe(`Retrieval contract: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'foryou-retrieval-'));
    let metadata: MetadataStore;
    let objects: ObjectStore;
    let local: InProcessRetrieval;
    let t: RetrievalUnderTest;
    const vectors = clusteredUnitVectors(N, DIMS, 6, 11);

    beforeAll(async () => {
      metadata = await openMetadataStore('sqlite://:memory:');
      objects = await openObjectStore(`file://${dir}`, {
        publicBaseUrl: 'http://127.0.0.1:1',
        secret: 'x'.repeat(32),
        clock: systemClock,
      });
      local = new InProcessRetrieval({
        metadata,
        objects,
        catalog: new Catalog(),
        telemetry: capturingTelemetry().telemetry,
      });
      t = await open(local);
    });
    afterAll(async () => {
      await t.close();
      await local.close();
      await metadata.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has no view while no index is loaded', async () => {
      await t.sync();
      expect(t.port.view()).toBeUndefined();
      expect(t.port.index()).toBeUndefined();
    });

    it('searches the serving index like brute force, best first, with exact scores', async () => {
      local.holder.swap(buildSnapshot('content-a', ids, vectors));
      await t.sync();
      const v = t.port.view()!;
      expect(v.version).toBe('content-a');
      expect(v.queryTower).toBe(false);
      expect(v.size).toBe(N);
      expect(t.port.index()).toMatchObject({ version: 'content-a', size: N, dims: DIMS });
      const q = vectors.slice(5 * DIMS, 6 * DIMS);
      const hits = await v.search(q, 10);
      const want = bruteForce(vectors, q, 10);
      expect(hits.map((h) => h.videoId)).toEqual(want.map((h) => h.videoId));
      const inProcess = await local.view()!.search(q, 10);
      expect(hits).toEqual(inProcess);
    });

    it('embeds a viewer as the weighted mean of indexed seeds, and nothing without one', async () => {
      const v = t.port.view()!;
      const viewer = { actor: 'u:1', history: [], nowMs: 0 };
      const q = await v.embed({
        ...viewer,
        seeds: [
          { video: 'vid-3', weight: 1 },
          { video: 'gone', weight: 3 },
        ],
      });
      expect([...q!]).toEqual([...vectors.slice(3 * DIMS, 4 * DIMS)].map((x) => expect.closeTo(x, 5)));
      expect(await v.embed({ ...viewer, seeds: [{ video: 'gone', weight: 1 }] })).toBeUndefined();
    });

    it('answers each seed its neighbours (itself first) and [] for a seed not indexed', async () => {
      const v = t.port.view()!;
      const [own, gone] = await v.neighbours(['vid-7', 'gone'], 6);
      expect(own!.map((h) => h.videoId)).toEqual(
        bruteForce(vectors, vectors.slice(7 * DIMS, 8 * DIMS), 6).map((h) => h.videoId),
      );
      expect(own![0]!.videoId).toBe('vid-7');
      expect(gone).toEqual([]);
    });

    it('scores given videos against a query vector; undefined where the index lacks one', async () => {
      const v = t.port.view()!;
      const q = vectors.slice(0, DIMS);
      const [self, other, gone] = await v.affinities(q, ['vid-0', 'vid-9', 'gone']);
      expect(self).toBeCloseTo(1, 5);
      expect(other).toBeCloseTo(bruteForce(vectors, q, N).find((h) => h.videoId === 'vid-9')!.score, 5);
      expect(gone).toBeUndefined();
    });

    it('says when a query tower came with the index and embeds with it', async () => {
      const tower = { dims: DIMS, embed: async () => vectors.slice(2 * DIMS, 3 * DIMS) };
      local.holder.swap(withQueryTower(buildSnapshot('two-tower-b', ids, vectors), tower));
      await t.sync();
      const v = t.port.view()!;
      expect(v.version).toBe('two-tower-b');
      expect(v.queryTower).toBe(true);
      const q = await v.embed({ actor: 'u:1', history: ['vid-1'], seeds: [], nowMs: 0 });
      expect((await v.search(q!, 1))[0]!.videoId).toBe('vid-2');
    });

    it('keeps answering a view taken before a swap from its own version', async () => {
      const before = t.port.view()!;
      const shifted = clusteredUnitVectors(N, DIMS, 6, 99);
      local.holder.swap(buildSnapshot('content-c', ids, shifted));
      await t.sync();
      expect(t.port.view()!.version).toBe('content-c');
      const q = vectors.slice(4 * DIMS, 5 * DIMS);
      expect((await before.search(q, 5)).map((h) => h.videoId)).toEqual(
        bruteForce(vectors, q, 5).map((h) => h.videoId),
      );
    });

    it('serves production for a pinned version it cannot load', async () => {
      expect(t.port.view('not-registered')?.version).toBe('content-c');
    });
  });
}
