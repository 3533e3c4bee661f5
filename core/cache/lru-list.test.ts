import { describe, expect, it } from 'vitest';
import { LruList } from './lru-list.ts';

describe('LruList', () => {
  it('keeps keys least recently used first; add moves a key to the end', () => {
    const l = new LruList();
    for (const k of ['a', 'b', 'c']) l.add(k);
    l.add('a');
    expect([...l]).toEqual(['b', 'c', 'a']);
    expect(l.oldest()).toBe('b');
    expect(l.delete('b')).toBe(true);
    expect(l.delete('b')).toBe(false);
    expect([l.oldest(), l.size, l.has('c'), l.has('b')]).toEqual(['c', 2, true, false]);
    l.clear();
    expect([l.size, l.oldest(), [...l]]).toEqual([0, undefined, []]);
  });

  it('sweeps in rounds, resuming where it stopped and stepping over keys moved or deleted meanwhile', () => {
    const l = new LruList();
    for (const k of ['a', 'b', 'c', 'd', 'e']) l.add(k);
    expect([l.nextForSweep(), l.nextForSweep()]).toEqual(['a', 'b']);
    l.delete('c'); // the cursor's key
    l.add('a'); // moved behind the cursor: visited again this round
    expect([l.nextForSweep(), l.nextForSweep(), l.nextForSweep(), l.nextForSweep()]).toEqual([
      'd',
      'e',
      'a',
      undefined,
    ]);
    expect(l.nextForSweep()).toBe('b'); // a new round from the oldest
  });
});
