import { describe, expect, it } from 'vitest';
import { alreadySeenFilter } from './filters/already-seen.filter.ts';
import { FOR_YOU_FILTERS } from './pipelines.ts';
import { rewatchCapReranker } from './rerankers/rewatch-cap.reranker.ts';
import { lovedVideos, REWATCH_ID, spacedEnough } from './reserve-policy.ts';
import { rewatchSource } from './sources/rewatch.source.ts';
import { candidate, catsAndMusicCatalog, ids, NOW, query, video, withSettings } from './testing/fixtures.ts';
import type { Candidate, FeedQuery } from './types.ts';

const HOUR = 3_600_000;
const reserve = (id: string, o: Parameters<typeof video>[1] = {}): Candidate =>
  candidate(video(id, o), { sources: [{ source: REWATCH_ID, rank: 0, score: 1 }] });

/** Cats has run dry for this viewer (c1..c3 all shown), music has not (m2, m3 never shown). */
const catalog = catsAndMusicCatalog();

function viewer(o: { seenAt?: Record<string, number>; history?: FeedQuery['viewer']['history'] } = {}): FeedQuery {
  const q = query();
  q.viewer.seenAt = new Map(
    Object.entries(o.seenAt ?? { c1: NOW - 48 * HOUR, c2: NOW - 30 * HOUR, c3: NOW - 30 * HOUR, m1: NOW - 48 * HOUR }),
  );
  q.viewer.history = o.history ?? [
    { video: 'c1', kind: 'like', timeMs: NOW - 48 * HOUR },
    { video: 'm1', kind: 'complete', timeMs: NOW - 48 * HOUR },
    { video: 'c2', kind: 'complete', timeMs: NOW - 30 * HOUR },
  ];
  return q;
}

describe('re-serve policy', () => {
  it('the ordinary sources never bring back a video the ledger remembers; the rewatch source may', () => {
    const q = viewer();
    const r = alreadySeenFilter.apply(q, [candidate(video('c1')), candidate(video('m2')), reserve('c2')]);
    expect(ids(r.kept)).toEqual(['m2', 'c2']);
    expect(ids(r.removed)).toEqual(['c1']);
  });

  it('never re-serves a video twice in one session', () => {
    const q = viewer();
    q.sessionSeen = new Set(['c2']);
    expect(ids(alreadySeenFilter.apply(q, [reserve('c2')]).kept)).toEqual([]);
    expect(spacedEnough(q, 'c2', NOW - 30 * HOUR)).toBe(false);
  });

  it('re-serves only loved videos of a dry hashtag, spaced by min_gap_hours since last shown, newest love first', async () => {
    const hits = await rewatchSource(catalog).fetch(viewer(), 3);
    // c2 and c1 (cats ran dry); m1 is loved but music still has unseen videos.
    expect(hits.map((h) => h.videoId)).toEqual(['c2', 'c1']);
    const tighter = withSettings(viewer(), { sources: { rewatch: { min_gap_hours: 36 } } });
    expect((await rewatchSource(catalog).fetch(tighter, 3)).map((h) => h.videoId)).toEqual(['c1']);
  });

  it('re-serves a loved video only once it was last shown long enough ago, whenever it was loved', async () => {
    const q = viewer({ seenAt: { c1: NOW - 2 * HOUR, c2: NOW - 30 * HOUR, c3: NOW - 30 * HOUR, m1: NOW - 48 * HOUR } });
    expect((await rewatchSource(catalog).fetch(q, 3)).map((h) => h.videoId)).toEqual(['c2']);
  });

  it('with dry_below 0 re-serves from any loved hashtag', async () => {
    const q = withSettings(viewer(), { sources: { rewatch: { dry_below: 0 } } });
    expect((await rewatchSource(catalog).fetch(q, 3)).map((h) => h.videoId)).toEqual(['c2', 'm1', 'c1']);
  });

  it('never re-serves a video skipped after it was loved, marked not interested, or only watched', async () => {
    const q = viewer({
      history: [
        { video: 'c1', kind: 'like', timeMs: NOW - 48 * HOUR },
        { video: 'c3', kind: 'watch', timeMs: NOW - 40 * HOUR },
        { video: 'c2', kind: 'complete', timeMs: NOW - 40 * HOUR },
        { video: 'c2', kind: 'skip', timeMs: NOW - 30 * HOUR },
        { video: 'm1', kind: 'complete', timeMs: NOW - 48 * HOUR },
      ],
    });
    q.viewer.notInterestedVideos = new Set(['m1']);
    expect(lovedVideos(q).map((l) => l.video)).toEqual(['c1']);
    const all = withSettings(q, { sources: { rewatch: { dry_below: 0 } } });
    expect((await rewatchSource(catalog).fetch(all, 3)).map((h) => h.videoId)).toEqual(['c1']);
  });

  it('keeps at most max_per_page re-serves, the best ranked, and says in explain when it was last shown', () => {
    const q = viewer();
    const list = [candidate(video('a')), reserve('c2'), candidate(video('b')), reserve('c1')];
    const r = rewatchCapReranker.rerank(q, list);
    expect(ids(r.kept)).toEqual(['a', 'c2', 'b']);
    expect(ids(r.removed)).toEqual(['c1']);
    expect(r.kept[1]!.rules).toEqual([`${REWATCH_ID}: re-served, last shown 30 h ago`]);
    const none = withSettings(viewer(), { sources: { rewatch: { max_per_page: 0 } } });
    expect(ids(rewatchCapReranker.rerank(none, list).kept)).toEqual(['a', 'b']);
  });

  it('a re-serve meets every other filter: a loved video made private or removed since is not served', () => {
    const q = viewer();
    const kept = (c: Candidate) => FOR_YOU_FILTERS.every((f) => f.apply(q, [c]).kept.length === 1);
    expect(kept(reserve('c1'))).toBe(true);
    expect(kept(reserve('c1', { privacy: 'private', authorId: 'someone' }))).toBe(false);
    expect(kept(reserve('c1', { moderation: 'removed' }))).toBe(false);
    expect(
      kept(
        candidate(video('c1'), {
          sources: [{ source: REWATCH_ID, rank: 0, score: 1 }],
          live: { status: 'ready', privacy: 'friends', deleted: false, authorPrivate: false },
        }),
      ),
    ).toBe(false);
    q.viewer.blockedAuthors = new Set(['a-c1']);
    expect(kept(reserve('c1'))).toBe(false);
  });
});
