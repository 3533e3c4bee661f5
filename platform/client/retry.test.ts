import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, isIdempotent, retryDelayMs } from './retry.ts';

describe('retryDelayMs', () => {
  it('waits as long as Retry-After says, in seconds or as an HTTP date, capped by the policy', () => {
    expect(retryDelayMs(DEFAULT_RETRY, 0, '2')).toBe(2000);
    expect(retryDelayMs(DEFAULT_RETRY, 0, new Date(61_000).toUTCString(), Math.random, 1_000)).toBe(10_000);
    expect(
      retryDelayMs({ ...DEFAULT_RETRY, maxDelayMs: 60_000 }, 0, new Date(31_000).toUTCString(), Math.random, 1_000),
    ).toBe(30_000);
  });

  it('backs off exponentially with full jitter when the server gives no hint', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(p, 0, null, () => 0.999)).toBe(100);
    expect(retryDelayMs(p, 3, null, () => 0.999)).toBe(799);
    expect(retryDelayMs(p, 9, null, () => 0.999)).toBe(999);
    expect(retryDelayMs(p, 3, null, () => 0)).toBe(0);
  });

  it('repeats only idempotent methods after a lost connection', () => {
    expect(isIdempotent('GET')).toBe(true);
    expect(isIdempotent('PUT')).toBe(true);
    expect(isIdempotent('POST')).toBe(false);
  });
});
