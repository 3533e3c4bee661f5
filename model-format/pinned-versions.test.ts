import { describe, expect, it } from 'vitest';
import { PinnedVersions } from './pinned-versions.ts';

describe('pinned model versions', () => {
  it('loads a version once on first use, keeps at most max, evicting the least recently used', async () => {
    const loads: string[] = [];
    const p = new PinnedVersions({
      max: 2,
      load: async (v: string) => {
        loads.push(v);
        return { v };
      },
    });
    expect(p.get('a')).toBeUndefined();
    expect(p.get('a')).toBeUndefined(); // still loading: one load, not two
    await p.ready('a');
    expect(p.get('a')).toEqual({ v: 'a' });
    await p.ready('b');
    p.get('a'); // a is now the most recently used
    await p.ready('c');
    expect(p.versions).toEqual(['a', 'c']);
    expect(loads).toEqual(['a', 'b', 'c']);
  });

  it('does not retry a failed version before retryMs', async () => {
    let now = 0;
    let calls = 0;
    const errors: string[] = [];
    const p = new PinnedVersions<number>({
      retryMs: 1000,
      now: () => now,
      onError: (v) => errors.push(v),
      load: async () => {
        calls++;
        throw new Error('no such version');
      },
    });
    await p.ready('x');
    await p.ready('x');
    expect(calls).toBe(1);
    now = 1000;
    await p.ready('x');
    expect(calls).toBe(2);
    expect(errors).toEqual(['x', 'x']);
    expect(p.get('x')).toBeUndefined();
  });
});
