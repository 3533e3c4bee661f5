import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../core/metadata/open.ts';
import type { MetadataStore } from '../core/metadata/ports.ts';
import { mulberry32 } from './ann/synthetic-vectors.ts';
import { Catalog, type CatalogVideo } from './catalog.ts';
import { newerFirst, popularity, topByPopularity } from './catalog-views.ts';

function video(rand: () => number, i: number): CatalogVideo {
  return {
    id: `v${i}`,
    authorId: `a${Math.floor(rand() * 20)}`,
    privacy: 'public',
    hashtags: [`t${Math.floor(rand() * 10)}`, `T${Math.floor(rand() * 10)}`],
    caption: '',
    // Coarse times and counts, so ties are common.
    createdAt: Math.floor(rand() * 50) * 1000,
    durationMs: 10_000,
    version: 1,
    posterKey: null,
    stats: { views: Math.floor(rand() * 5) * 10, likes: Math.floor(rand() * 3), comments: 0, shares: 0 },
  };
}

/** The views a catalogue must show, computed the slow, obvious way. */
function expected(videos: readonly CatalogVideo[]) {
  const newest = [...videos].sort(newerFirst);
  const group = (key: (v: CatalogVideo) => string[]) => {
    const m = new Map<string, string[]>();
    for (const v of newest) for (const k of new Set(key(v))) m.set(k, [...(m.get(k) ?? []), v.id]);
    return m;
  };
  return {
    newest: newest.map((v) => v.id),
    popular: [...newest].sort((a, b) => popularity(b) - popularity(a) || newerFirst(a, b)).map((v) => v.id),
    byAuthor: group((v) => [v.authorId]),
    byTag: group((v) => v.hashtags.map((t) => t.toLowerCase())),
  };
}

describe('topByPopularity', () => {
  it('returns exactly the first k of a full sort, ties broken newer first', () => {
    const rand = mulberry32(3);
    for (const n of [0, 1, 7, 300]) {
      const vs = Array.from({ length: n }, (_, i) => video(rand, i));
      const full = expected(vs).popular;
      const newest = [...vs].sort(newerFirst);
      for (const k of [1, 5, 50, 1000]) expect(topByPopularity(newest, k).map((v) => v.id)).toEqual(full.slice(0, k));
    }
  });
});

describe('Catalog kept up to date one change at a time', () => {
  let dir: string;
  let db: MetadataStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-catalog-views-'));
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the same newest, popular, per-author and per-tag views as the obvious computation', async () => {
    const rand = mulberry32(5);
    let next = 0;
    const live = new Map<string, CatalogVideo>();
    const insert = async (v: CatalogVideo) => {
      await db.run(
        `INSERT INTO videos (id, author_id, hashtags, status, version, created_at, processed_at)
         VALUES ($1, $2, $3, 'ready', 1, $4, $5)`,
        [v.id, v.authorId, JSON.stringify(v.hashtags), v.createdAt, Date.now()],
      );
      await db.run(
        'INSERT INTO video_counters (video_id, views, likes, comments, shares, updated_at) VALUES ($1, $2, $3, 0, 0, $4)',
        [v.id, v.stats.views, v.stats.likes, Date.now()],
      );
      live.set(v.id, v);
    };
    for (let i = 0; i < 200; i++) await insert(video(rand, next++));
    const c = new Catalog({ popularEveryMs: 0 });
    await c.load(db);
    const check = () => {
      const want = expected([...live.values()]);
      expect(c.newest().map((v) => v.id)).toEqual(want.newest);
      expect(c.popular().map((v) => v.id)).toEqual(want.popular);
      expect(new Set(c.all().map((v) => v.id))).toEqual(new Set(live.keys()));
      for (const [a, ids] of want.byAuthor) expect(c.byAuthor(a).map((v) => v.id)).toEqual(ids);
      for (const [t, ids] of want.byTag) expect(c.byTag(t).map((v) => v.id)).toEqual(ids);
      expect(c.byAuthor('nobody')).toEqual([]);
      expect(c.size).toBe(live.size);
    };
    check();
    for (let round = 0; round < 25; round++) {
      // What one refresh brings: uploads, edits of hashtags, deletions and counter changes.
      for (let i = 0; i < 5; i++) await insert(video(rand, next++));
      const ids = [...live.keys()];
      const pick = () => ids[Math.floor(rand() * ids.length)]!;
      for (let i = 0; i < 5; i++) {
        const v = live.get(pick())!;
        const hashtags = [`t${Math.floor(rand() * 10)}`];
        await db.run('UPDATE videos SET hashtags = $2, updated_at = $3 WHERE id = $1', [
          v.id,
          JSON.stringify(hashtags),
          Date.now(),
        ]);
        live.set(v.id, { ...v, hashtags });
      }
      for (let i = 0; i < 4; i++) {
        const id = pick();
        await db.run('UPDATE videos SET deleted_at = $2 WHERE id = $1', [id, Date.now()]);
        live.delete(id);
      }
      for (let i = 0; i < 3; i++) {
        const v = live.get(pick());
        if (!v) continue;
        const views = v.stats.views + 7;
        await db.run('UPDATE video_counters SET views = $2, updated_at = $3 WHERE video_id = $1', [
          v.id,
          views,
          Date.now(),
        ]);
        live.set(v.id, { ...v, stats: { ...v.stats, views } });
      }
      await c.refresh(db);
      check();
    }
  });
});
