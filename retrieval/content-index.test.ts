import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../core/metadata/open.ts';
import type { MetadataStore } from '../core/metadata/ports.ts';
import { capturingTelemetry } from '../core/testing/telemetry.ts';
import { seedVideos } from '../platform/feed/testing/feed-app.ts';
import { clusteredUnitVectors } from './ann/synthetic-vectors.ts';
import { Catalog } from './catalog.ts';
import { hashedContentEmbedder } from './content-embedding.ts';
import { CONTENT_INDEX_VERSION, ContentIndex, pinnedIndexResolver } from './content-index.ts';
import { buildSnapshot } from './index-holder.ts';

describe('the content index an arm pins', () => {
  let dir: string;
  let db: MetadataStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-content-index-'));
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (f: () => boolean) => {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(f()).toBe(true);
  };

  it('is built only once asked for, from the whole catalogue, and then takes in new uploads', async () => {
    const now = Date.now();
    const ids = await seedVideos(db, [
      { authorId: 'ann', createdAt: now - 3000, hashtags: ['cats'] },
      { authorId: 'bob', createdAt: now - 2000, hashtags: ['dogs'] },
    ]);
    const catalog = new Catalog();
    await catalog.load(db);
    const content = new ContentIndex({
      catalog,
      embedder: hashedContentEmbedder(64),
      telemetry: capturingTelemetry().telemetry,
    });
    expect(content.started).toBe(false);

    expect(content.get()).toBeUndefined(); // being built: the arm is served by production meanwhile
    expect(content.started).toBe(true);
    await until(() => content.get() !== undefined);
    const s = content.get()!;
    expect(s.query).toBeUndefined();
    expect(s.dims).toBe(64);
    expect([...s.ids].sort()).toEqual([...ids].sort());

    const [late] = await seedVideos(db, [{ authorId: 'cy', createdAt: now, hashtags: ['cats'] }]);
    await catalog.refresh(db);
    await until(() => content.get()!.keyOf.has(late!));
  });

  it('the resolver sends `content` to the content index and any other version to the registry', () => {
    const registered = buildSnapshot('20260101T000000', ['a', 'b'], clusteredUnitVectors(2, 8, 0, 1));
    const contentSnap = buildSnapshot('content-2', ['a', 'b'], clusteredUnitVectors(2, 8, 0, 2));
    const asked: string[] = [];
    const resolve = pinnedIndexResolver({ get: () => contentSnap } as unknown as ContentIndex, {
      get: (v) => {
        asked.push(v);
        return registered;
      },
    });
    expect(resolve.get(CONTENT_INDEX_VERSION)).toBe(contentSnap);
    expect(resolve.get('20260101T000000')).toBe(registered);
    expect(asked).toEqual(['20260101T000000']);
  });
});
