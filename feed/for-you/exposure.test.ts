import { describe, expect, it } from 'vitest';
import { exposureKeys } from './exposure.ts';

const HOUR = 3_600_000;

describe('exposureKeys.authorHour', () => {
  it('names the author and the clock hour, the same key on every call within the hour', () => {
    const t = 1_700_000_000_000;
    const hour = Math.floor(t / HOUR);
    expect(exposureKeys.authorHour('a1', t)).toBe(`feed:exp:a:a1:${hour}`);
    expect(exposureKeys.authorHour('a1', hour * HOUR + HOUR - 1)).toBe(`feed:exp:a:a1:${hour}`);
    expect(exposureKeys.authorHour('a2', t)).toBe(`feed:exp:a:a2:${hour}`);
  });

  it('moves to the next hour, and back to an earlier one (requests replayed out of order)', () => {
    const t = 1_700_000_000_000;
    const hour = Math.floor(t / HOUR);
    expect(exposureKeys.authorHour('a1', t + HOUR)).toBe(`feed:exp:a:a1:${hour + 1}`);
    expect(exposureKeys.authorHour('a1', t)).toBe(`feed:exp:a:a1:${hour}`);
    expect(exposureKeys.authorHour('a1', t + 5 * HOUR)).toBe(`feed:exp:a:a1:${hour + 5}`);
  });
});
