import { describe, expect, it } from 'vitest';
import { globalList } from './global-list.ts';

describe('globalList', () => {
  it('loads once per interval and key, serves the expired list while refreshing, and reloads a very old one', async () => {
    let t = 0;
    let loads = 0;
    const list = globalList(
      async (key: string) => {
        loads++;
        return `${key}#${loads}`;
      },
      { maxAgeMs: 1_000, now: () => t },
    );
    expect(await list('a', undefined)).toBe('a#1');
    expect(await list('a', undefined)).toBe('a#1');
    expect(await list('b', undefined)).toBe('b#2');
    t = 1_500;
    expect(await list('a', undefined)).toBe('a#1'); // expired: served while a#3 loads
    expect(await list('a', undefined)).toBe('a#3');
    t = 20_000;
    expect(await list('a', undefined)).toBe('a#4'); // too old to serve: waited for
  });

  it('retries a failed refresh on the next request and fails a request with nothing to serve', async () => {
    let t = 0;
    let fail = true;
    const list = globalList(
      async () => {
        if (fail) throw new Error('cache down');
        return 'ok';
      },
      { maxAgeMs: 1_000, now: () => t },
    );
    await expect(list('k', undefined)).rejects.toThrow('cache down');
    fail = false;
    expect(await list('k', undefined)).toBe('ok');
    t = 1_500;
    fail = true;
    expect(await list('k', undefined)).toBe('ok');
    await new Promise((r) => setTimeout(r, 0));
    fail = false;
    expect(await list('k', undefined)).toBe('ok');
  });
});
