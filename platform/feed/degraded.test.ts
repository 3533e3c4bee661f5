import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../../core/cache/ports.ts';
import { feedSettingsSlots } from '../../feed/for-you/pipelines.ts';
import { testFeedConfig } from '../../feed/for-you/testing/feed-settings.ts';
import { patchSettings } from '../../feed/pipeline/settings.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

/** Fault injection: a cache whose every call fails, as when Redis is unreachable. */
function unreachable(cache: Cache): Cache {
  return new Proxy(cache, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function' || prop === 'close') return v;
      return async () => Promise.reject(new Error('ECONNREFUSED cache'));
    },
  });
}

describe('feed with the model, the index and the cache missing', () => {
  let t: FeedTestApp;

  beforeAll(async () => {
    t = await buildFeedTestApp('feed-degraded', (deps) => ({
      cache: unreachable(deps.cache),
      featureStore: undefined,
      // No index can be built: the content embedder fails too.
      contentEmbedder: { dims: 8, embed: async () => Promise.reject(new Error('no content tower')) },
      loadRanker: async () => Promise.reject(new Error('no ranker artifact')),
    }));
    const author = await t.register('solo_creator');
    const now = Date.now();
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 12 }, (_, i) => ({ authorId: author.id, createdAt: now - i * 60_000 })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
  });
  afterAll(async () => t?.cleanup());

  it('answers 200 with a page, reporting no index and the fallback scorer', async () => {
    expect(t.runtime.index.current()).toBeUndefined();
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/feed?limit=5&explain=1',
      headers: { 'x-device-id': 'dev-x' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.index_version).toBe('none');
    expect(body.model_version).toBe('fallback-v1');
    const failed = (body.explain.errors as { component: string }[]).map((e) => e.component);
    expect(failed).toEqual(expect.arrayContaining(['trending', 'fresh', 'exposure', 'session_seen']));
  });

  it('still pages with a cursor when the session set cannot be stored', async () => {
    const first = (
      await t.app.inject({ method: 'GET', url: '/api/v1/feed?limit=2', headers: { 'x-device-id': 'dev-y' } })
    ).json();
    const next = await t.app.inject({
      method: 'GET',
      url: `/api/v1/feed?limit=2&cursor=${first.next_cursor}`,
      headers: { 'x-device-id': 'dev-y' },
    });
    expect(next.statusCode).toBe(200);
  });
});

describe('For You when every candidate source comes back empty', () => {
  let t: FeedTestApp;

  beforeAll(async () => {
    // Quota 0 everywhere: what a page looks like when each source times out or finds nothing.
    const base = testFeedConfig(feedSettingsSlots());
    const sources = Object.fromEntries(
      Object.keys(base.defaults.sources as object).map((name) => [name, { quota: 0 }]),
    );
    const defaults = patchSettings(base.slots, base.defaults, { sources });
    t = await buildFeedTestApp('feed-empty-sources', () => ({ feedConfig: { ...base, experiments: [], defaults } }));
    const author = await t.register('quiet_creator');
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 6 }, (_, i) => ({ authorId: author.id, createdAt: Date.now() - i * 60_000 })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
  });
  afterAll(async () => t?.cleanup());

  it('serves the popular-and-recent page instead of an empty one, then runs out honestly', async () => {
    const get = (cursor?: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/feed?limit=4&explain=1${cursor ? `&cursor=${cursor}` : ''}`,
        headers: { 'x-device-id': 'dev-empty' },
      });
    const first = (await get()).json();
    expect(first.items).toHaveLength(4);
    expect(first.model_version).toBe('fallback-page');
    expect(first.explain.errors[0].message).toMatch(/found nothing to show/);
    const second = (await get(first.next_cursor)).json();
    expect(second.items).toHaveLength(2);
    const third = (await get(second.next_cursor)).json();
    expect(third.items).toEqual([]);
    expect(third.next_cursor).toBeNull();
  });

  it('leaves an empty Following feed empty', async () => {
    const viewer = await t.register('follows_nobody');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/feed?feed_type=following',
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([]);
  });
});
