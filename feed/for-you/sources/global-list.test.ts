import { describe, expect, it } from 'vitest';
import { globalList } from './global-list.ts';

describe('globalList', () => {
  it('builds once per interval of request time and key, and shares one build between concurrent requests', async () => {
    let loads = 0;
    const list = globalList(
      async (key: string, nowMs: number) => {
        loads++;
        return `${key}@${nowMs}`;
      },
      { maxAgeMs: 1_000 },
    );
    const [a, b] = await Promise.all([list('a', 0, undefined), list('a', 10, undefined)]);
    expect([a, b]).toEqual(['a@0', 'a@0']);
    expect(await list('a', 999, undefined)).toBe('a@0');
    expect(await list('b', 999, undefined)).toBe('b@999');
    expect(await list('a', 1_000, undefined)).toBe('a@1000');
    // A request from before the list was built (a replay going back) never gets a list from its future.
    expect(await list('a', 500, undefined)).toBe('a@500');
    expect(loads).toBe(4);
  });

  it('fails the requests of a failed build and retries on the next request', async () => {
    let fail = true;
    const list = globalList(async () => {
      if (fail) throw new Error('cache down');
      return 'ok';
    });
    await expect(list('k', 0, undefined)).rejects.toThrow('cache down');
    fail = false;
    expect(await list('k', 1, undefined)).toBe('ok');
  });
});
