import { describe, expect, it } from 'vitest';
import { catsAndMusicCatalog, NOW, query } from '../testing/fixtures.ts';
import { positiveSeeds } from './history.ts';
import { rewatchSource } from './rewatch.source.ts';

describe('positiveSeeds', () => {
  it('takes engaged videos newest first with their strongest weight and leaves out ones rejected last', () => {
    const seeds = positiveSeeds(
      [
        { video: 'a', kind: 'watch', timeMs: 1 },
        { video: 'b', kind: 'like', timeMs: 2 },
        { video: 'c', kind: 'watch', timeMs: 3 },
        { video: 'a', kind: 'complete', timeMs: 4 },
        { video: 'c', kind: 'skip', timeMs: 5 },
        { video: 'd', kind: 'skip', timeMs: 6 },
      ],
      10,
    );
    expect(seeds).toEqual([
      { video: 'a', weight: 2 },
      { video: 'b', weight: 3 },
    ]);
  });
});

describe('rewatchSource', () => {
  const catalog = catsAndMusicCatalog();
  const day = 86_400_000;
  const viewer = (recent: string[]) => {
    const q = query();
    q.viewer.history = [
      { video: 'c1', kind: 'like', timeMs: NOW - 3 * day },
      { video: 'm1', kind: 'complete', timeMs: NOW - 3 * day },
      { video: 'c2', kind: 'complete', timeMs: NOW - 60_000 },
    ];
    q.viewer.recentImpressions = new Set(recent);
    return q;
  };

  it('re-serves loved videos of a hashtag that ran dry, old enough, and only those', async () => {
    // cats: c2 and c3 shown recently, so 1 unshown (c1) < dry_below 2; music: m2 and m3 unshown.
    const hits = await rewatchSource(catalog).fetch(viewer(['c2', 'c3']), 3);
    expect(hits.map((h) => h.videoId)).toEqual(['c1']);
  });

  it('re-serves nothing while the loved hashtags still have unseen videos', async () => {
    expect(await rewatchSource(catalog).fetch(viewer([]), 3)).toEqual([]);
  });
});
