import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../core/clock.ts';
import { isAppError } from '../../core/errors/registry.ts';
import { openRegistry } from './open.ts';
import { type ModelRegistry, RegistryError } from './registry.ts';

const FEATURES = ['a', 'b', 'c'];
const meta = (version: string) => ({
  name: 'ranker',
  version,
  family: 'logreg',
  featureNames: FEATURES,
  dims: { features: 3 },
  dataHash: 'h',
});

describe('ModelRegistry on SQLite and the file store', () => {
  let dir: string;
  let registry: ModelRegistry;
  let close: () => Promise<void>;
  const clock = manualClock();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registry-'));
    ({ registry, close } = await openRegistry({
      metadataUrl: `sqlite://${join(dir, 'meta.db')}`,
      objectsUrl: `file://${join(dir, 'objects')}`,
      clock,
    }));
  });
  afterEach(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = (version: string, gauc: number) => {
    clock.advance(1000);
    return registry.register({
      metadata: meta(version),
      files: { 'weights.json': Buffer.from(`{"v":"${version}"}`) },
      metrics: { gauc, logloss: 0.5 },
    });
  };

  it('stores artifacts under models/<name>/<version>/ and registers a candidate', async () => {
    const rec = await register('v1', 0.6);
    expect(rec.stage).toBe('candidate');
    expect(await registry.objects.list('models/ranker/v1/')).toEqual([
      'models/ranker/v1/metadata.json',
      'models/ranker/v1/weights.json',
    ]);
    expect((await registry.list('ranker')).map((r) => r.version)).toEqual(['v1']);
    await expect(register('v1', 0.6)).rejects.toThrow(/already registered/);
  });

  it('promotes, refuses a worse candidate unless forced, and archives the old production', async () => {
    await register('v1', 0.6);
    await registry.promote('ranker', 'v1');
    await register('v2', 0.55);
    const refused = await registry.promote('ranker', 'v2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect((refused as RegistryError).code).toBe('MODEL_GATE_FAILED');
    expect((refused as RegistryError).message).toMatch(/gauc: candidate 0.55 is worse than production 0.6/);
    expect((await registry.byStage('ranker', 'production'))!.version).toBe('v1');
    await registry.promote('ranker', 'v2', { force: true });
    const stages = Object.fromEntries((await registry.list('ranker')).map((r) => [r.version, r.stage]));
    expect(stages).toEqual({ v1: 'archived', v2: 'production' });
  });

  it('rolls back to the previous production, walking further back on a second rollback', async () => {
    for (const [v, g] of [
      ['v1', 0.6],
      ['v2', 0.61],
      ['v3', 0.62],
    ] as const) {
      await register(v, g);
      clock.advance(1000);
      await registry.promote('ranker', v);
    }
    expect((await registry.rollback('ranker')).version).toBe('v2');
    expect((await registry.rollback('ranker')).version).toBe('v1');
    const err = await registry.rollback('ranker').catch((e: unknown) => e);
    expect(isAppError(err, 'MODEL_NOT_FOUND')).toBe(true);
  });

  it('loads by stage and refuses metadata that does not match the running code', async () => {
    await register('v1', 0.6);
    await registry.promote('ranker', 'v1');
    const loaded = await registry.loadByStage('ranker', 'production', {
      featureNames: FEATURES,
      dims: { features: 3 },
    });
    expect((await loaded.read('weights.json')).toString()).toBe('{"v":"v1"}');
    const err = await registry
      .loadByStage('ranker', 'production', { featureNames: ['a', 'b', 'd'], dims: { features: 4 } })
      .catch((e: unknown) => e);
    expect((err as RegistryError).code).toBe('MODEL_METADATA_MISMATCH');
    expect((err as RegistryError).problems).toHaveLength(2);
    expect((err as Error).message).toMatch(/missing: d; unexpected: c/);
  });

  it('merges an exporter-written metadata.json with the registry fields', async () => {
    const own = {
      schemaVersion: 1,
      family: 'logreg',
      graphs: { g: {} },
      featureNames: FEATURES,
      dims: { features: 3, extra: 9 },
    };
    await registry.register({ metadata: meta('v9'), files: { 'metadata.json': Buffer.from(JSON.stringify(own)) } });
    const loaded = await registry.loadByStage('ranker', 'candidate', {
      featureNames: FEATURES,
      dims: { features: 3, extra: 9 },
    });
    expect(loaded.metadata).toMatchObject({ name: 'ranker', version: 'v9', graphs: { g: {} }, dataHash: 'h' });
    const bad = { ...own, schemaVersion: 2 };
    await expect(
      registry.register({ metadata: meta('v10'), files: { 'metadata.json': Buffer.from(JSON.stringify(bad)) } }),
    ).rejects.toThrow(/schemaVersion 2/);
  });

  it('refuses a metadata.json of another schema version', async () => {
    await register('v1', 0.6);
    await registry.objects.put(
      'models/ranker/v1/metadata.json',
      Buffer.from(JSON.stringify({ ...meta('v1'), schemaVersion: 99 })),
    );
    await expect(registry.loadByStage('ranker', 'candidate')).rejects.toThrow(/schemaVersion is 99/);
  });
});
