import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedSettingsSlots } from '../../feed/for-you/pipelines.ts';
import { testFeedConfig } from '../../feed/for-you/testing/feed-settings.ts';
import { clusteredUnitVectors } from '../../retrieval/ann/synthetic-vectors.ts';
import { CONTENT_INDEX_VERSION } from '../../retrieval/content-index.ts';
import { buildSnapshot, withQueryTower } from '../../retrieval/index-holder.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from './testing/feed-app.ts';

const H = 3_600_000;

/** An arm that pins the content index keeps it while production serves a trained two-tower. */
describe('an arm pinning the content index beside a promoted two-tower', () => {
  let t: FeedTestApp;
  let viewers: { pinned: { token: string }; other: { token: string } };
  // Actors are `u:<user id>`; the pinned viewer's id is known once registered.
  let pinnedActor = '';

  beforeAll(async () => {
    const base = testFeedConfig(feedSettingsSlots());
    t = await buildFeedTestApp('feed-pinned-content', () => ({
      feedConfig: {
        ...base,
        experiments: [
          {
            name: 'holdout',
            enabled: true,
            arms: [
              {
                name: 'content',
                weight: 1,
                overrides: { sources: { two_tower: { model_version: CONTENT_INDEX_VERSION } } },
              },
              { name: 'production', weight: 1, overrides: {} },
            ],
            assign: (actor: string) => (actor === pinnedActor ? 'content' : 'production'),
          },
        ],
      },
    }));
    const creator = await t.register('pin_creator');
    const ids = await seedVideos(
      t.deps.metadata,
      Array.from({ length: 30 }, (_, i) => ({
        authorId: creator.id,
        createdAt: Date.now() - (i + 1) * H,
        hashtags: ['cats'],
      })),
    );
    await t.runtime.catalog.load(t.deps.metadata);
    // Production: a trained index (it has a query tower) over the same videos.
    const trained = buildSnapshot('20261207T000000', ids, clusteredUnitVectors(ids.length, 16, 0, 3));
    t.runtime.index.swap(withQueryTower(trained, { dims: 16, embed: async () => trained.vectors.row(0)! }));
    const pinned = await t.register('viewer_pinned');
    pinnedActor = `u:${pinned.id}`;
    const other = await t.register('viewer_other');
    viewers = { pinned: { token: pinned.token }, other: { token: other.token } };
  });
  afterAll(async () => t?.cleanup());

  const indexOf = async (token: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/feed?limit=5',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { index_version: string }).index_version;
  };

  it('serves the pinned arm from a content index built on demand, everyone else from production', async () => {
    // The content index is built on the arm's first request; production serves it meanwhile.
    let v = await indexOf(viewers.pinned.token);
    for (let i = 0; i < 100 && !v.startsWith('content-'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      v = await indexOf(viewers.pinned.token);
    }
    expect(v).toMatch(/^content-/);
    expect(await indexOf(viewers.other.token)).toBe('20261207T000000');
  });
});
