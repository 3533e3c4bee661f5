import { describe, expect, it } from 'vitest';
import { VectorRows } from './vector-rows.ts';

describe('VectorRows', () => {
  it('reads row-major rows as views of the one array it was given', () => {
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const rows = new VectorRows(2, data);
    expect(rows.length).toBe(3);
    expect([...rows.row(1)!]).toEqual([3, 4]);
    expect(rows.row(1)!.buffer).toBe(data.buffer);
    expect(rows.row(3)).toBeUndefined();
    expect(rows.row(-1)).toBeUndefined();
    expect(rows.row(0.5)).toBeUndefined();
  });

  it('overwrites a row in place and appends past the end, keeping the earlier rows', () => {
    const rows = new VectorRows(2, Float32Array.from([1, 2, 3, 4]));
    rows.set(0, [9, 9]);
    rows.set(2, [5, 6]);
    rows.set(3, [7, 8]);
    expect(rows.length).toBe(4);
    expect([...rows.flat()]).toEqual([9, 9, 3, 4, 5, 6, 7, 8]);
    const empty = new VectorRows(3);
    expect(empty.length).toBe(0);
    empty.set(0, [1, 0, 0]);
    expect([...empty.row(0)!]).toEqual([1, 0, 0]);
  });

  it('refuses a vector of the wrong size and data that is not whole rows', () => {
    const rows = new VectorRows(2);
    expect(() => rows.set(0, [1, 2, 3])).toThrow(RangeError);
    expect(() => new VectorRows(2, new Float32Array(3))).toThrow(RangeError);
  });
});
