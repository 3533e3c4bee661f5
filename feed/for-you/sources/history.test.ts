import { describe, expect, it } from 'vitest';
import { positiveSeeds } from './history.ts';

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
