import { describe, expect, it } from 'vitest';
import { byOffset, decodeOffset, encodeOffset, MAX_BATCHES, visiblePage } from './paging.ts';

// 300 candidates v0..v299 ranked in order; the viewer may see those `visible` accepts.
const ranked = Array.from({ length: 300 }, (_, i) => `v${i}`);
const source = (reads: number[] = []) =>
  byOffset(async (offset, n) => {
    reads.push(n);
    return ranked.slice(offset, offset + n);
  });
const keep = (visible: (i: number) => boolean) => async (ids: string[]) =>
  new Set(ids.filter((id) => visible(Number(id.slice(1)))));

async function walk(visible: (i: number) => boolean, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 400; pages++) {
    const page = await visiblePage(source(), keep(visible), cursor, limit);
    seen.push(...page.ids);
    if (page.next_cursor === null) return seen;
    cursor = page.next_cursor;
  }
  throw new Error('no end');
}

describe('visiblePage', () => {
  it('fills pages with visible candidates only, in rank order, with no repeats or gaps', async () => {
    const odd = (i: number) => i % 2 === 1;
    expect(await walk(odd, 7)).toEqual(ranked.filter((_, i) => odd(i)));
    expect(await walk(() => true, 10)).toEqual(ranked);
    expect(await walk(() => false, 10)).toEqual([]);
  });

  it('ends with a null cursor when the last page is exactly full', async () => {
    const page = await visiblePage(
      source(),
      keep(() => true),
      encodeOffset(290),
      10,
    );
    expect(page).toEqual({ ids: ranked.slice(290), next_cursor: null });
  });

  it('reads at most MAX_BATCHES batches, then answers short with a cursor to go on', async () => {
    const reads: number[] = [];
    const page = await visiblePage(
      source(reads),
      keep((i) => i === 299),
      undefined,
      5,
    );
    expect(reads).toHaveLength(MAX_BATCHES);
    expect(page.ids).toEqual([]);
    expect(decodeOffset(page.next_cursor!)).toBe(MAX_BATCHES * 20);
  });

  it('refuses a cursor it did not make', () => {
    for (const bad of ['', 'nope!', Buffer.from('x1').toString('base64url'), 'a'.repeat(41)]) {
      expect(() => decodeOffset(bad)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
    }
    expect(decodeOffset(undefined)).toBe(0);
  });
});
