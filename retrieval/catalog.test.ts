import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../core/metadata/open.ts';
import type { MetadataStore } from '../core/metadata/ports.ts';
import { seedVideos } from '../platform/feed/testing/feed-app.ts';
import { Catalog } from './catalog.ts';

describe('Catalog', () => {
  let dir: string;
  let db: MetadataStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-catalog-'));
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads ready videos only, then applies new, deleted and recounted videos incrementally', async () => {
    const now = Date.now();
    const [a, b] = await seedVideos(db, [
      { authorId: 'ann', createdAt: now - 2000, hashtags: ['Cats'] },
      { authorId: 'ann', createdAt: now - 1000 },
    ]);
    await db.run("INSERT INTO videos (id, author_id, status, created_at) VALUES ('pending', 'ann', 'processing', $1)", [
      now,
    ]);
    const c = new Catalog();
    const added: string[] = [];
    c.onAdded((vs) => added.push(...vs.map((v) => v.id)));
    await c.load(db);
    expect(c.size).toBe(2);
    expect(c.byAuthor('ann').map((v) => v.id)).toEqual([b, a]);
    expect(c.byTag('cats').map((v) => v.id)).toEqual([a]);

    await db.run("UPDATE videos SET status = 'ready', processed_at = $1 WHERE id = 'pending'", [Date.now()]);
    await db.run('UPDATE videos SET deleted_at = $1 WHERE id = $2', [Date.now(), a!]);
    await db.run(
      'INSERT INTO video_counters (video_id, views, likes, comments, shares, updated_at) VALUES ($1, 10, 3, 0, 0, $2)',
      [b!, Date.now()],
    );
    await c.refresh(db);
    expect(c.get(a!)).toBeUndefined();
    expect(c.get('pending')).toBeDefined();
    expect(c.get(b!)!.stats.likes).toBe(3);
    expect(c.popular()[0]!.id).toBe(b);
    expect(added).toEqual([a, b, 'pending']);
  });

  it("knows each video's start: the lowest-bandwidth rendition's playlist, none without renditions", async () => {
    const [v, bare] = await seedVideos(db, [
      { authorId: 'cy', createdAt: Date.now() },
      { authorId: 'cy', createdAt: Date.now() },
    ]);
    const renditions = [
      { name: '480p', bandwidth: 900_000, playlist_key: `videos/${v}/v1/480p/index.m3u8` },
      { name: '360p', bandwidth: 500_000, playlist_key: `videos/${v}/v1/360p/index.m3u8` },
    ];
    await db.run('UPDATE videos SET renditions = $1 WHERE id = $2', [JSON.stringify(renditions), v!]);
    await db.run("UPDATE videos SET renditions = 'not json' WHERE id = $1", [bare!]);
    const c = new Catalog();
    await c.load(db);
    expect(c.get(v!)!.startKey).toBe(`videos/${v}/v1/360p/index.m3u8`);
    expect(c.get(bare!)!.startKey).toBeNull();
  });

  it('picks up an author’s edit of privacy and hashtags on the next refresh', async () => {
    const [v] = await seedVideos(db, [{ authorId: 'bea', createdAt: Date.now(), hashtags: ['old'] }]);
    const c = new Catalog();
    await c.load(db);
    expect(c.get(v!)).toMatchObject({ privacy: 'public', hashtags: ['old'] });
    await db.run("UPDATE videos SET privacy = 'private', hashtags = '[\"new\"]', updated_at = $1 WHERE id = $2", [
      Date.now(),
      v!,
    ]);
    await c.refresh(db);
    expect(c.get(v!)).toMatchObject({ privacy: 'private', hashtags: ['new'] });
    expect(c.byTag('old').map((x) => x.id)).not.toContain(v);
  });

  it('drops a video a moderator removed and carries a limited label, on the next refresh', async () => {
    const [gone, limited, back] = await seedVideos(db, [
      { authorId: 'cy', createdAt: Date.now() },
      { authorId: 'cy', createdAt: Date.now() },
      { authorId: 'cy', createdAt: Date.now() },
    ]);
    await db.run("UPDATE videos SET moderation = 'removed' WHERE id = $1", [back!]);
    const c = new Catalog();
    await c.load(db);
    expect(c.get(back!)).toBeUndefined();
    const label = (id: string, moderation: string) =>
      db.run('UPDATE videos SET moderation = $1, updated_at = $2 WHERE id = $3', [moderation, Date.now(), id]);
    await label(gone!, 'removed');
    await label(limited!, 'limited');
    await label(back!, 'none');
    await c.refresh(db);
    expect(c.get(gone!)).toBeUndefined();
    expect(c.get(limited!)?.moderation).toBe('limited');
    expect(c.get(back!)?.moderation).toBeUndefined();
    expect(c.byAuthor('cy').map((v) => v.id)).not.toContain(gone);
  });
});
