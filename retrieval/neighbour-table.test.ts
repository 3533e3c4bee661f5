import { describe, expect, it } from 'vitest';
import { similarSource } from '../feed/for-you/sources/similar.source.ts';
import { NOW, query } from '../feed/for-you/testing/fixtures.ts';
import { emptyViewer } from '../feed/for-you/types.ts';
import { clusteredUnitVectors } from './ann/synthetic-vectors.ts';
import { buildSnapshot, IndexHolder } from './index-holder.ts';
import { attachNeighbourTable, buildNeighbourTable, NeighbourTableJob, neighbourTableOf } from './neighbour-table.ts';
import { snapshotView } from './service/snapshot-view.ts';

const DIMS = 8;
const snapshotOf = (n: number, version = 'v1', seed = 3) =>
  buildSnapshot(
    version,
    Array.from({ length: n }, (_, i) => `vid-${i}`),
    clusteredUnitVectors(n, DIMS, 6, seed),
  );

describe('neighbour table', () => {
  it('holds for every video what a search of its vector answers, and any prefix of it', async () => {
    const s = snapshotOf(300);
    const table = (await buildNeighbourTable(s, 12, { chunk: 7 }))!;
    expect(table.rows).toBe(300);
    for (const key of [0, 1, 150, 299]) {
      const searched = s.index.search(s.vectors.row(key)!, 12);
      const row = table.neighbours(key, 12)!;
      expect([...row.keys]).toEqual(searched.keys);
      row.scores.forEach((score, j) => {
        expect(score).toBeCloseTo(searched.scores[j]!, 5);
      });
      expect([...table.neighbours(key, 5)!.keys]).toEqual(searched.keys.slice(0, 5));
    }
    expect(table.neighbours(300, 5)).toBeUndefined();
    expect(table.neighbours(0, 13)).toBeUndefined();
    expect(table.bytes).toBe(300 * 12 * 8 + 300 * 2);
  });

  it('stops when cancelled', async () => {
    let calls = 0;
    const built = await buildNeighbourTable(snapshotOf(100), 4, { chunk: 10, cancelled: () => ++calls >= 3 });
    expect(built).toBeUndefined();
    expect(calls).toBe(3);
  });

  it('gives the similar source the same candidates as searching live', async () => {
    const s = snapshotOf(400);
    const history = [0, 17, 42, 99, 250].map((i, k) => ({
      video: `vid-${i}`,
      kind: 'like' as const,
      timeMs: NOW - (k + 1) * 60_000,
    }));
    const q = query({ viewer: { ...emptyViewer(), history }, index: snapshotView(s) });
    const live = await similarSource().fetch(q, 60);
    attachNeighbourTable(s, (await buildNeighbourTable(s, 51))!);
    const fromTable = await similarSource().fetch(q, 60);
    expect(live.length).toBe(60);
    expect(fromTable.map((h) => h.videoId)).toEqual(live.map((h) => h.videoId));
    fromTable.forEach((h, i) => {
      expect(h.score).toBeCloseTo(live[i]!.score, 5);
    });
  });

  it('is built by the job for the serving snapshot, again after a swap, and not again while fresh', async () => {
    const holder = new IndexHolder();
    const job = new NeighbourTableJob(holder, { k: 5, refreshMs: 60_000 });
    holder.swap(snapshotOf(50, 'v1'));
    job.start();
    await job.refresh();
    const first = holder.current()!;
    const table = neighbourTableOf(first)!;
    expect(table.rows).toBe(50);
    holder.add(['new-0'], clusteredUnitVectors(1, DIMS, 9, 1));
    await job.refresh();
    // Grown by one video, but the table is younger than refreshMs: the new video searches live until then.
    expect(neighbourTableOf(first)).toBe(table);
    holder.swap(snapshotOf(80, 'v2', 5));
    await job.refresh();
    expect(neighbourTableOf(holder.current()!)!.rows).toBe(80);
    await job.close();
  });
});
