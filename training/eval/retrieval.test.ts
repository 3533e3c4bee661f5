import { describe, expect, it } from 'vitest';
import type { Dataset, Example } from '../data/schema.ts';
import { buildRetrievalCases, evaluateRetrieval } from './retrieval.ts';

const labels = (pos: boolean) => ({
  click: 1,
  longView: pos ? 1 : 0,
  like: 0,
  follow: 0,
  comment: 0,
  forward: 0,
  hate: 0,
  watchRatio: pos ? 1 : 0.1,
});
const ex = (user: number, video: number, timeMs: number, pos = true): Example => ({
  user,
  video,
  timeMs,
  tab: 0,
  labels: labels(pos),
});

/** User 0: pre-period history {5}, train impression of 1, validation impression of 2; test positives 1..5. */
function tiny(): Dataset {
  const user = (h: number[]) => ({
    externalId: 'u',
    cats: [],
    nums: [],
    historyWatch: h,
    historyLike: [],
    historyLong: h,
  });
  return {
    name: 'tiny',
    dataHash: 'x',
    users: [user([5]), user([])],
    videos: Array.from({ length: 8 }, (_, i) => ({
      externalId: String(i),
      author: 0,
      tags: [],
      durationBucket: 0,
      durationMs: 0,
      uploadMs: 0,
      cats: [],
    })),
    vocab: { users: 2, videos: 8, authors: 1, tags: 1, durationBuckets: 1, userCats: [], videoCats: [], userNums: 0 },
    train: [ex(0, 1, 10, false)],
    validation: [ex(0, 2, 20), ex(1, 3, 21, false)],
    test: [1, 2, 3, 4, 5].map((v) => ex(0, v, 30 + v)).concat([ex(1, 6, 40)]),
  };
}

describe('retrieval protocol', () => {
  it('excludes exactly what the seen-filter would (train+val impressions); history is input, not a mask', () => {
    const [c0, c1] = buildRetrievalCases(tiny(), 'test');
    expect([...c0!.mask].sort()).toEqual([1, 2]);
    expect([...c0!.positives].sort()).toEqual([3, 4, 5]);
    expect(c0!.query.history).toEqual([5, 2]);
    // The labelled secondary variant also masks the pre-period history video 5.
    expect([...c0!.historyMaskedPositives].sort()).toEqual([3, 4]);
    // User 1 had a validation impression, so it is not cold on the test days.
    expect(c1!.coldUser).toBe(false);
  });

  it('on validation, only train impressions are excluded and a user seen only in validation is cold', () => {
    const cases = buildRetrievalCases(tiny(), 'validation');
    expect(cases).toHaveLength(1);
    expect([...cases[0]!.mask]).toEqual([1]);
  });

  it('keeps per-query metrics in case order for paired intervals', () => {
    const ds = tiny();
    const cases = buildRetrievalCases(ds, 'test');
    const oracle = {
      name: 'oracle',
      scoreAll: (qs: readonly { user: number }[]) =>
        qs.map((q) =>
          Float32Array.from({ length: 8 }, (_, v) => (q.user === 0 ? (v >= 3 && v <= 5 ? 1 : 0) : v === 6 ? 1 : 0)),
        ),
    };
    const r = evaluateRetrieval(oracle, cases, 8);
    expect(r.perQuery.users).toEqual([0, 1]);
    expect(r.perQuery.recall_at_100).toEqual([1, 1]);
    expect(r.historyMasked.recall_at_100).toBe(1);
  });
});
