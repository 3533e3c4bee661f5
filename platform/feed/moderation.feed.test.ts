/**
 * Moderation labels in the feeds through the HTTP API: a removed video is in neither feed, a limited or
 * held one is kept out of For You but still reaches followers in Following. The labels are set after
 * the catalogue loaded, so the live page guard (not a catalogue refresh) is what drops them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

describe('moderation labels in the feeds', () => {
  let t: FeedTestApp;
  let viewer: { id: string; token: string };
  let ids: string[];

  beforeAll(async () => {
    t = await buildFeedTestApp('feed-moderation');
    viewer = await t.register('mod_viewer');
    const creator = await t.register('mod_creator');
    const now = Date.now();
    ids = await seedVideos(
      t.deps.metadata,
      Array.from({ length: 8 }, (_, i) => ({
        authorId: creator.id,
        createdAt: now - (i + 1) * 60_000,
        hashtags: ['cats'],
      })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
    await t.runtime.maintainer.backfill();
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${creator.id}/follow`,
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    for (const [i, label] of [
      [0, 'removed'],
      [1, 'limited'],
      [2, 'held'],
    ] as const) {
      await t.deps.metadata.run('UPDATE videos SET moderation = $1 WHERE id = $2', [label, ids[i]!]);
    }
  });
  afterAll(async () => t?.cleanup());

  const served = async (feedType: 'for_you' | 'following', token?: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/feed?feed_type=${feedType}&limit=50`,
      headers: token ? { authorization: `Bearer ${token}` } : { 'x-device-id': `dev-${feedType}` },
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: { id: string }[] }).items.map((i) => i.id);
  };

  it('keeps removed, limited and held videos out of For You', async () => {
    for (const token of [viewer.token, undefined]) {
      const page = await served('for_you', token);
      expect(page).not.toContain(ids[0]);
      expect(page).not.toContain(ids[1]);
      expect(page).not.toContain(ids[2]);
      expect(page).toEqual(expect.arrayContaining(ids.slice(3)));
    }
  });

  it('shows followers limited and held videos in Following, never removed ones', async () => {
    const page = await served('following', viewer.token);
    expect(page).not.toContain(ids[0]);
    expect(page).toEqual(expect.arrayContaining(ids.slice(1)));
  });
});
