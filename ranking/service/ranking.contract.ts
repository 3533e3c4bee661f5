import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import { capturingTelemetry } from '../../core/testing/telemetry.ts';
import type { RankerModel } from '../ranker-holder.ts';
import type { Ranking } from './ports.ts';
import { InProcessRanking } from './ranking.in-process.ts';

/** The port under test, opened over an in-process ranking the suite controls (it installs rankers into it). */
export interface RankingUnderTest {
  port: Ranking;
  /** Makes the port see production's version now (a remote client polls it). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A ranker whose heads are plain functions of the row, the viewer and the video, so answers can be checked. */
function fakeRanker(version: string, dims: number, scale: number): RankerModel {
  return {
    version,
    featureDims: dims,
    async predict(features, rows, ids) {
      // As the ONNX ranker does.
      if (features.length !== rows * dims) throw new Error(`${features.length} features for ${rows} rows of ${dims}`);
      const sum = new Float32Array(rows);
      const known = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < dims; j++) sum[r] = sum[r]! + features[r * dims + j]! * scale;
        known[r] = (ids?.userId ? 1 : 0) + (ids?.videoIds?.[r] ? 2 : 0);
      }
      return { p_long_view: sum, ids_seen: known };
    },
  };
}

/** Every behaviour the ranking port promises, for each implementation (in process, over HTTP). */
export function describeRankingContract(name: string, open: (local: InProcessRanking) => Promise<RankingUnderTest>) {
  describe(`Ranking contract: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'foryou-ranking-'));
    let metadata: MetadataStore;
    let local: InProcessRanking;
    let t: RankingUnderTest;

    beforeAll(async () => {
      metadata = await openMetadataStore('sqlite://:memory:');
      const objects = await openObjectStore(`file://${dir}`, {
        publicBaseUrl: 'http://127.0.0.1:1',
        secret: 'x'.repeat(32),
        clock: systemClock,
      });
      local = new InProcessRanking({ metadata, objects, telemetry: capturingTelemetry().telemetry });
      t = await open(local);
    });
    afterAll(async () => {
      await t.close();
      await local.close();
      await metadata.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has no ranker while none is loaded', async () => {
      await t.sync();
      expect(t.port.current()).toBeUndefined();
      expect(t.port.model().loadedVersion).toBeNull();
    });

    it('scores rows with production, exactly as in process, with the viewer and video ids passed on', async () => {
      local.holder.swap(fakeRanker('ranker@1', 3, 0.1));
      await t.sync();
      const m = t.port.current()!;
      expect(m.version).toBe('ranker@1');
      expect(m.featureDims).toBe(3);
      const x = new Float32Array([1, 2, 3, 0.5, 0.25, 1e-7]);
      const heads = await m.predict(x, 2, { userId: 'u1', videoIds: ['v1', undefined] });
      expect(Object.keys(heads).sort()).toEqual(['ids_seen', 'p_long_view']);
      expect([...heads.p_long_view!]).toEqual([...(await local.current()!.predict(x, 2)).p_long_view!]);
      expect([...heads.ids_seen!]).toEqual([3, 1]);
      expect([...(await m.predict(x, 2)).ids_seen!]).toEqual([0, 0]);
    });

    it('scores no rows to empty heads', async () => {
      const heads = await t.port.current()!.predict(new Float32Array(0), 0);
      expect(heads.p_long_view!.length).toBe(0);
    });

    it('refuses rows that are not whole feature vectors', async () => {
      await expect(t.port.current()!.predict(new Float32Array(4), 2)).rejects.toThrow();
    });

    it('keeps answering with the version a request began with after a promote', async () => {
      const before = t.port.current()!;
      local.holder.swap(fakeRanker('ranker@2', 3, 10));
      await t.sync();
      expect(t.port.current()!.version).toBe('ranker@2');
      const x = new Float32Array([1, 1, 1]);
      expect((await before.predict(x, 1)).p_long_view![0]).toBeCloseTo(0.3, 5);
      expect((await t.port.current()!.predict(x, 1)).p_long_view![0]).toBeCloseTo(30, 4);
    });

    it('has no pinned version it cannot load (the feed serves production meanwhile)', async () => {
      expect(t.port.get('ranker@not-registered')).toBeUndefined();
    });
  });
}
