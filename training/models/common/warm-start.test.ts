import { describe, expect, it } from 'vitest';
import type { Params } from '../../../model-format/weights.ts';
import { incrementalRows, warmStartParams } from './warm-start.ts';

const table = (rows: number, width: number, base: number) => ({
  shape: [rows, width],
  values: Float32Array.from({ length: rows * width }, (_, i) => base + i),
});
const row = (p: Params, name: string, r: number) => {
  const t = p.get(name)!;
  const w = t.shape[1]!;
  return [...t.values.subarray(r * w, (r + 1) * w)];
};

describe('warm start', () => {
  // Production knew users a, b (rows 0, 1; row 2 unknown) and authors x, y (rows 1, 2; row 0 unknown).
  const old: Params = new Map([
    ['user.id', table(3, 2, 100)],
    ['author.id', table(3, 2, 200)],
    ['h1.w', table(4, 2, 300)],
    ['h2.w', table(2, 2, 400)],
  ]);
  const warm = { from: 'ranker@1', params: old, ids: { users: ['a', 'b'], videos: [], authors: ['', 'x', 'y'] } };
  // The new dataset: users c, b, a (a newcomer first), authors y, z; h2.w changed shape.
  const fresh: Params = new Map([
    ['user.id', table(4, 2, 0)],
    ['author.id', table(3, 2, 0)],
    ['h1.w', table(4, 2, 0)],
    ['h2.w', table(3, 2, 0)],
  ]);
  const to = { users: ['c', 'b', 'a'], videos: [], authors: ['', 'y', 'z'] };
  const { params, carried } = warmStartParams(fresh, warm, to);

  it('carries id rows by key, not by index, and the unknown row to the unknown row', () => {
    expect(row(params, 'user.id', 1)).toEqual(row(old, 'user.id', 1)); // b
    expect(row(params, 'user.id', 2)).toEqual(row(old, 'user.id', 0)); // a
    expect(row(params, 'user.id', 3)).toEqual(row(old, 'user.id', 2)); // unknown
    expect(row(params, 'user.id', 0)).toEqual(row(fresh, 'user.id', 0)); // c: new, fresh
    expect(row(params, 'author.id', 1)).toEqual(row(old, 'author.id', 2)); // y
    expect(row(params, 'author.id', 2)).toEqual(row(fresh, 'author.id', 2)); // z: new
    expect(carried['user.id']).toEqual({ rows: 3, of: 4 });
  });

  it('copies tensors of the same shape and keeps a fresh one where the shape changed', () => {
    expect([...params.get('h1.w')!.values]).toEqual([...old.get('h1.w')!.values]);
    expect([...params.get('h2.w')!.values]).toEqual([...fresh.get('h2.w')!.values]);
    expect(carried).toMatchObject({ 'h1.w': 'copied', 'h2.w': 'fresh' });
    expect(fresh.get('h1.w')!.values[0]).toBe(0);
  });

  it('steps over the newest rows only when there are enough of them', () => {
    expect(incrementalRows([1, 2, 3, 4], 3, 2)).toEqual([2, 3]);
    expect(incrementalRows([1, 2, 3, 4], 4, 2)).toEqual([0, 1, 2, 3]);
    expect(incrementalRows([1, 2, 3, 4], undefined, 2)).toEqual([0, 1, 2, 3]);
  });
});
