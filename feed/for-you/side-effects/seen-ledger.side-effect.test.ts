import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../core/cache/cache.memory.ts';
import type { PipelineResult } from '../../pipeline/types.ts';
import { candidate, query, video, withSettings } from '../testing/fixtures.ts';
import type { Candidate } from '../types.ts';
import { seenLedgerKey, seenLedgerSideEffect } from './seen-ledger.side-effect.ts';

/** The ledger reads the query and the page only, never the pipeline's trace. */
const result = undefined as unknown as PipelineResult<Candidate>;

describe('seen ledger side effect', () => {
  it('records the page with when it was served, trims to seen_memory and expires seen_ttl_hours later', async () => {
    const cache = new MemoryCache();
    const effect = seenLedgerSideEffect(cache);
    const q = withSettings(query(), { sources: { rewatch: { seen_memory: 3, seen_ttl_hours: 2 } } });
    await effect.run(q, [candidate(video('a')), candidate(video('b'))], result);
    q.viewer.seenAt = new Map([
      ['a', q.nowMs],
      ['b', q.nowMs],
    ]);
    const later = { ...q, nowMs: q.nowMs + 1000 };
    await effect.run(later, [candidate(video('c')), candidate(video('d'))], result);
    const key = seenLedgerKey(q.actor);
    const kept = await cache.zRevRange(key, 0, -1);
    // The newest 3: c and d, then b (equal times order by member, as Redis does).
    expect(kept.map((e) => e.member)).toEqual(['d', 'c', 'b']);
    const ttl = await cache.ttl(key);
    expect(ttl).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(2 * 3_600_000);
    expect(cache.stats()).toMatchObject({ volatileKeys: 1, volatileMembers: 3 });
    await cache.close();
  });
});
