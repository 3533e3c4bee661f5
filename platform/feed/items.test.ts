import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../../core/metadata/open.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { AuthorDirectory, likedBy, playbackUrls } from './items.ts';

describe('AuthorDirectory', () => {
  let dir: string;
  let db: MetadataStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-authors-'));
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
    await db.run(
      `INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ('u1', 'ann', 'Ann', 'x', 1)`,
    );
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves handles from the cache within the TTL and re-reads them after it', async () => {
    let t = 0;
    const authors = new AuthorDirectory(db, { ttlMs: 1000, now: () => t });
    expect((await authors.get(['u1', 'ghost'])).get('u1')!.handle).toBe('ann');
    await db.run(`UPDATE users SET handle = 'anna' WHERE id = 'u1'`);
    t = 999;
    expect((await authors.get(['u1'])).get('u1')!.handle).toBe('ann');
    t = 1000;
    expect((await authors.get(['u1'])).get('u1')!.handle).toBe('anna');
  });

  it('shows a missing author as a placeholder and does not cache it', async () => {
    const authors = new AuthorDirectory(db, { ttlMs: 60_000, now: () => 0 });
    expect((await authors.get(['u2'])).get('u2')!.handle).toBe('unknown');
    await db.run(
      `INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ('u2', 'bo', 'Bo', 'x', 1)`,
    );
    expect((await authors.get(['u2'])).get('u2')!.handle).toBe('bo');
  });
});

describe('likedBy', () => {
  let dir: string;
  let db: MetadataStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foryou-liked-'));
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
    for (const [u, v] of [
      ['viewer', 'v1'],
      ['viewer', 'v3'],
      ['other', 'v2'],
    ] as const) {
      await db.run('INSERT INTO likes (user_id, video_id, created_at) VALUES ($1, $2, 1)', [u, v]);
    }
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the page videos the viewer liked, and none for anonymous viewers', async () => {
    expect([...(await likedBy(db, 'viewer', ['v1', 'v2', 'v3', 'v4']))].sort()).toEqual(['v1', 'v3']);
    expect((await likedBy(db, undefined, ['v1'])).size).toBe(0);
    expect((await likedBy(db, 'viewer', [])).size).toBe(0);
  });
});

describe('playbackUrls', () => {
  const video = {
    id: 'v1',
    authorId: 'a',
    privacy: 'public' as const,
    hashtags: [],
    caption: '',
    createdAt: 0,
    durationMs: 5000,
    version: 2,
    posterKey: 'videos/v1/v2/thumbs/poster.jpg',
    stats: { views: 0, likes: 0, comments: 0, shares: 0 },
  };
  const opts = { secret: 's'.repeat(32), nowMs: 0, viewerId: undefined, publicBaseUrl: 'https://cdn.example' };

  it("gives the lowest rendition's playlist, init and first segment as the start, beside the master", () => {
    const urls = playbackUrls({ ...video, startKey: 'videos/v1/v2/360p/index.m3u8' }, opts);
    expect(urls).toEqual({
      master_url: 'https://cdn.example/media/videos/v1/v2/master.m3u8',
      poster_url: 'https://cdn.example/media/videos/v1/v2/thumbs/poster.jpg',
      start: {
        playlist_url: 'https://cdn.example/media/videos/v1/v2/360p/index.m3u8',
        init_url: 'https://cdn.example/media/videos/v1/v2/360p/init.mp4',
        segment_url: 'https://cdn.example/media/videos/v1/v2/360p/seg_00000.m4s',
      },
    });
  });

  it('gives no start for a video without a stored rendition', () => {
    expect(playbackUrls(video, opts).start).toBeNull();
  });
});
