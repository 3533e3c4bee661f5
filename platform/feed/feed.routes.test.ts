import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../core/testing/wait-for.ts';
import { seenLedgerKey } from '../../feed/for-you/side-effects/seen-ledger.side-effect.ts';
import { buildSnapshot } from '../../retrieval/index-holder.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

const H = 3_600_000;
type Page = {
  items: {
    id: string;
    caption: string;
    liked_by_me: boolean;
    author: { id: string; handle: string };
    playback: { master_url: string };
  }[];
  next_cursor: string | null;
  index_version: string;
  model_version: string;
  request_id: string;
  explain?: Record<string, unknown>;
};

describe('GET /api/v1/feed', () => {
  let t: FeedTestApp;
  let viewer: { id: string; token: string };
  let creators: { id: string; token: string }[];

  beforeAll(async () => {
    t = await buildFeedTestApp('feed-routes');
    viewer = await t.register('viewer');
    creators = await Promise.all(
      ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'].map((h) => t.register(`creator_${h}`)),
    );
    const now = Date.now();
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 80 }, (_, i) => ({
        authorId: creators[i % 10]!.id,
        createdAt: now - (i + 1) * H,
        hashtags: [i % 2 ? 'cats' : 'dogs'],
      })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
    await t.runtime.maintainer.backfill();
  });
  afterAll(async () => t?.cleanup());

  const get = async (url: string, token?: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });

  it('answers a page with playback URLs, authors, stats and versions', async () => {
    const res = await get('/api/v1/feed?limit=5', viewer.token);
    expect(res.statusCode).toBe(200);
    const body = res.json() as Page;
    expect(body.items).toHaveLength(5);
    const item = body.items[0]!;
    expect(item.playback.master_url).toBe(`http://127.0.0.1:8080/media/videos/${item.id}/v1/master.m3u8`);
    expect(item.author.handle).toMatch(/^creator_c\d$/);
    expect(item.caption).toBe(`caption of ${item.id}`);
    expect(body.items.every((i) => i.liked_by_me === false)).toBe(true);
    expect(body.index_version).toMatch(/^content-/);
    expect(body.model_version).toBe('fallback-v1');
    expect(body.request_id).toBe(res.headers['x-request-id']);
  });

  it('gives the same absolute playback URLs as GET /videos/:id (one builder for both)', async () => {
    const item = ((await get('/api/v1/feed?limit=1', viewer.token)).json() as Page).items[0]!;
    // The seeded rows carry no frame size, which GET /videos/:id needs before it shows playback.
    await t.deps.metadata.run('UPDATE videos SET width = 360, height = 640 WHERE id = $1', [item.id]);
    const video = await get(`/api/v1/videos/${item.id}`, viewer.token);
    expect(video.statusCode).toBe(200);
    expect(video.json().playback.master_url).toBe(item.playback.master_url);
    expect(new URL(item.playback.master_url).origin).toBe('http://127.0.0.1:8080');
  });

  it('never repeats an item across the pages of a session', async () => {
    // A viewer of its own: how much of the catalogue the tests above left unseen for `viewer` depends on
    // when their pages reached its seen ledger (written after each answer).
    const fresh = await t.register('session_viewer');
    const seen = new Set<string>();
    let cursor: string | null = null;
    const sizes: number[] = [];
    for (let p = 0; p < 6; p++) {
      const res = await get(`/api/v1/feed?limit=10${cursor ? `&cursor=${cursor}` : ''}`, fresh.token);
      expect(res.statusCode).toBe(200);
      const body = res.json() as Page;
      expect(body.items.length).toBeGreaterThan(0);
      for (const i of body.items) {
        expect(seen.has(i.id)).toBe(false);
        seen.add(i.id);
      }
      sizes.push(body.items.length);
      cursor = body.next_cursor;
    }
    expect(seen.size, `page sizes ${sizes.join(',')}`).toBeGreaterThanOrEqual(50);
  });

  it('ranks what a viewer saw longest ago once the seen ledger covers the catalogue, not the fallback page', async () => {
    const heavy = await t.register('seen_everything');
    const all = t.runtime.catalog.all();
    const now = Date.now();
    await t.deps.cache.zAdd(
      seenLedgerKey(`u:${heavy.id}`),
      all.map((v, i) => ({ member: v.id, score: now - (i + 1) * H })),
      3_600_000,
    );
    const body = (await get('/api/v1/feed?limit=5&explain=1', heavy.token)).json() as Page & {
      items: { explain: { sources: { source: string }[]; rules: string[] } }[];
    };
    expect(body.items).toHaveLength(5);
    for (const i of body.items) expect(i.explain.rules).not.toContain('fallback_page');
    expect(body.model_version).not.toBe('fallback');
  });

  it('keeps at most two videos per creator on a page', async () => {
    const body = (await get('/api/v1/feed?limit=20', viewer.token)).json() as Page;
    const per = new Map<string, number>();
    for (const i of body.items) per.set(i.author.id, (per.get(i.author.id) ?? 0) + 1);
    expect(Math.max(...per.values())).toBeLessThanOrEqual(2);
  });

  it('rejects a tampered cursor and another viewer’s cursor with 400 INVALID_CURSOR', async () => {
    const first = (await get('/api/v1/feed?limit=2', viewer.token)).json() as Page;
    const cursor = first.next_cursor!;
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    const tampered = await get(`/api/v1/feed?cursor=${flipped}`, viewer.token);
    expect(tampered.statusCode).toBe(400);
    expect(tampered.json().error.code).toBe('INVALID_CURSOR');
    const foreign = await get(`/api/v1/feed?cursor=${cursor}`, undefined, { 'x-device-id': 'someone-else' });
    expect(foreign.json().error.code).toBe('INVALID_CURSOR');
    expect((await get('/api/v1/feed?cursor=garbage', viewer.token)).json().error.code).toBe('INVALID_CURSOR');
  });

  it('validates feed_type and limit with 400 VALIDATION_FAILED', async () => {
    for (const q of ['feed_type=nope', 'limit=0', 'limit=51', 'limit=abc']) {
      const res = await get(`/api/v1/feed?${q}`, viewer.token);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('serves anonymous For You with X-Device-Id, and requires sign-in for Following', async () => {
    expect((await get('/api/v1/feed', undefined, { 'x-device-id': 'dev-1' })).statusCode).toBe(200);
    expect((await get('/api/v1/feed')).statusCode).toBe(401);
    expect((await get('/api/v1/feed?feed_type=following', undefined, { 'x-device-id': 'dev-1' })).statusCode).toBe(401);
  });

  it('Following lists followed creators’ uploads newest first', async () => {
    const follow = await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${creators[3]!.id}/follow`,
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    if (follow.statusCode >= 300) {
      await t.deps.metadata.run('INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)', [
        viewer.id,
        creators[3]!.id,
        Date.now(),
      ]);
    }
    const body = (await get('/api/v1/feed?feed_type=following&limit=5', viewer.token)).json() as Page;
    expect(body.items.length).toBe(5);
    expect(body.items.every((i) => i.author.id === creators[3]!.id)).toBe(true);
  });

  it('explain=1 says why each item is there and how long each stage took', async () => {
    const body = (await get('/api/v1/feed?limit=3&explain=1', viewer.token)).json() as Page & {
      items: { explain: { sources: unknown[]; score: number } }[];
    };
    expect(body.items[0]!.explain.sources.length).toBeGreaterThan(0);
    expect(typeof body.items[0]!.explain.score).toBe('number');
    expect(Object.keys(body.explain!.stages_ms as object)).toContain('sources');
    // No two-tower model is loaded here (a content-only index): its source says it searched by history mean.
    expect(Object.keys(body.explain!.sources as object)).toContain('history_mean');
    expect(JSON.stringify(body)).not.toContain('two_tower');
    expect(body.explain!.arms).toHaveLength(1);
    // Removals are counts only: a privacy or block filter's ids are other users' videos.
    for (const entry of Object.values(body.explain!.removed as Record<string, object>)) {
      expect(Object.keys(entry)).toEqual(['count']);
    }
  });

  it('logs every served item with request id, position and versions', async () => {
    // A viewer of its own: the seen ledger remembers what the tests above served `viewer` (the whole catalogue).
    const fresh = await t.register('serve_log_viewer');
    const body = (await get('/api/v1/feed?limit=4', fresh.token)).json() as Page;
    await t.serveLog.flush();
    const rows = await t.deps.metadata.all<{
      position: number;
      video_id: string;
      index_version: string;
      features: string;
    }>('SELECT position, video_id, index_version, features FROM served_items WHERE request_id = $1 ORDER BY position', [
      body.request_id,
    ]);
    expect(rows.map((r) => r.video_id)).toEqual(body.items.map((i) => i.id));
    expect(rows[0]!.index_version).toBe(body.index_version);
    expect(Object.keys(JSON.parse(rows[0]!.features)).some((k) => k.startsWith('arm:fresh-exposure:'))).toBe(true);
  });

  it('hot-swaps the index under concurrent requests without a failed request', async () => {
    const base = t.runtime.index.current()!;
    const versions = new Set<string>();
    const requests: Promise<void>[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) {
        requests.push(
          get('/api/v1/feed?limit=5', undefined, { 'x-device-id': `swap-${round}-${i}` }).then((res) => {
            expect(res.statusCode).toBe(200);
            versions.add((res.json() as Page).index_version);
          }),
        );
      }
      const vectors = base.vectors.flat().slice();
      t.runtime.index.swap(buildSnapshot(`swap-${round}`, base.ids, vectors));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(requests);
    expect(versions.size).toBeGreaterThan(1);
  });

  it('adds a video that becomes ready to the serving index within one catalogue refresh', async () => {
    const before = ((await get('/api/v1/feed?limit=1', viewer.token)).json() as { index_size: number }).index_size;
    const [id] = await seedVideos(t.deps.metadata, [
      { authorId: creators[0]!.id, createdAt: Date.now(), hashtags: ['cats'] },
    ]);
    await waitFor('the new video in the serving index', () => t.runtime.index.current()!.keyOf.has(id!), 5_000);
    expect(t.runtime.index.current()!.keyOf.has(id!)).toBe(true);
    // The page says the index grew, under the same index_version.
    const after = (await get('/api/v1/feed?limit=1', viewer.token)).json() as { index_size: number };
    expect(after.index_size).toBe(before + 1);
  });

  it('stores interests and serves a cold viewer videos of those tags', async () => {
    const cold = await t.register('cold_viewer');
    const put = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/interests',
      headers: { authorization: `Bearer ${cold.token}` },
      payload: { tags: ['Cats'] },
    });
    expect(put.json()).toEqual({ tags: ['cats'] });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/interests',
      headers: { authorization: `Bearer ${cold.token}` },
      payload: { tags: [] },
    });
    expect(bad.statusCode).toBe(400);
    const body = (await get('/api/v1/feed?limit=6&explain=1', cold.token)).json() as {
      items: { explain: { sources: { source: string }[]; rules: string[] } }[];
    };
    // The exploration slot's video is a uniform random draw by design; 3 of the other five are the tags'.
    const chosen = body.items.filter((i) => !i.explain.rules.some((r) => r.startsWith('exploration_slot')));
    expect(chosen.filter((i) => i.explain.sources.some((s) => s.source === 'interests')).length).toBeGreaterThanOrEqual(
      3,
    );
  });

  it('stores interests through the hashtags\' normaliser: "Café", "#CAFÉ" and fullwidth "ｃａｆé" are one tag', async () => {
    const picker = await t.register('cafe_viewer');
    const put = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/interests',
      headers: { authorization: `Bearer ${picker.token}` },
      payload: { tags: ['Café', '#CAFE\u0301', 'ｃａｆé'] },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ tags: ['café'] });
  });
});
