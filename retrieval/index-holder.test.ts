import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../core/metadata/open.ts';
import type { MetadataStore } from '../core/metadata/ports.ts';
import { openObjectStore } from '../core/objects/open.ts';
import type { ObjectStore } from '../core/objects/ports.ts';
import { capturingTelemetry, sampleOf } from '../core/testing/telemetry.ts';
import { ModelWatcher } from '../model-format/model-watcher.ts';
import { clusteredUnitVectors } from './ann/synthetic-vectors.ts';
import { buildSnapshot, IndexHolder, readIndexArtifact, writeIndexArtifact } from './index-holder.ts';

describe('serving index: artifacts and promote', () => {
  let dir: string;
  let objects: ObjectStore;
  let db: MetadataStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-index-'));
    objects = await openObjectStore(`file://${dir}/objects`, {
      publicBaseUrl: 'http://127.0.0.1',
      secret: 'x'.repeat(32),
    });
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const snapshot = (version: string, n = 200, kind: 'brute-force' | 'usearch' = 'brute-force') => {
    const ids = Array.from({ length: n }, (_, i) => `vid${i}`);
    return buildSnapshot(version, ids, clusteredUnitVectors(n, 16, 0, 7), kind);
  };

  it('a written artifact reads back with identical search answers', async () => {
    const s = snapshot('v1', 300, 'usearch');
    await writeIndexArtifact(objects, 'models/two-tower/v1', s);
    const back = (await readIndexArtifact(objects, 'models/two-tower/v1'))!;
    expect(back.ids).toEqual(s.ids);
    expect(back.index.kind).toBe('usearch');
    const q = s.vectors.row(5)!;
    expect(back.index.search(q, 10).keys).toEqual(s.index.search(q, 10).keys);
    expect(await readIndexArtifact(objects, 'models/none')).toBeUndefined();
  });

  it('promoting a new version in the registry swaps the serving index; a broken artifact keeps the old one', async () => {
    const holder = new IndexHolder();
    const { telemetry, lines } = capturingTelemetry();
    const watcher = new ModelWatcher({
      telemetry,
      db,
      name: 'two-tower',
      load: async (m) => {
        const s = await readIndexArtifact(objects, m.artifactPrefix);
        if (!s) throw new Error('no index');
        return s;
      },
      install: (s) => holder.swap(s),
    });
    const promote = async (version: string, prefix: string) => {
      await db.run("UPDATE models SET stage = 'archived' WHERE name = 'two-tower'");
      await db.run(
        `INSERT INTO models (id, name, version, stage, artifact_prefix, created_at, promoted_at) VALUES ($1, 'two-tower', $2, 'production', $3, $4, $4)`,
        [`m-${version}`, version, prefix, Date.now()],
      );
    };
    expect(await watcher.poll()).toBe(false);
    await writeIndexArtifact(objects, 'models/two-tower/a', snapshot('a'));
    await promote('a', 'models/two-tower/a');
    expect(await watcher.poll()).toBe(true);
    expect(holder.current()!.version).toBe('a');
    await promote('b', 'models/two-tower/missing');
    expect(await watcher.poll()).toBe(false);
    expect(watcher.lastError).toMatch(/no index/);
    expect(holder.current()!.version).toBe('a');
    // The rejection is counted, logged with the version, and kept for the operator page.
    expect(
      await sampleOf(telemetry.registry, 'foryou_model_loads_total', { name: 'two-tower', outcome: 'loaded' }),
    ).toBe(1);
    expect(await watcher.poll()).toBe(false);
    expect(
      await sampleOf(telemetry.registry, 'foryou_model_loads_total', { name: 'two-tower', outcome: 'rejected' }),
    ).toBe(2);
    expect(lines.find((l) => l.version === 'b')).toMatchObject({ component: 'model-watcher', serving: 'a' });
    expect(watcher.status()).toMatchObject({
      loadedVersion: 'a',
      lastError: 'no index',
      rejected: [{ version: 'b', error: 'no index', attempts: 2 }],
    });
  });

  it('adds new videos to the current snapshot so they become searchable', () => {
    const holder = new IndexHolder();
    holder.swap(snapshot('c', 50));
    const v = clusteredUnitVectors(1, 16, 0, 99);
    expect(holder.add(['fresh'], v)).toBe(1);
    const s = holder.current()!;
    expect(s.ids[s.index.search(v, 1).keys[0]!]).toBe('fresh');
    expect(s.vectors.row(s.keyOf.get('fresh')!)).toEqual(v);
  });
});
