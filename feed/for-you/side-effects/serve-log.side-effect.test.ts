import { describe, expect, it } from 'vitest';
import type { Candidate, FeedQuery } from '../types.ts';
import { servedFeatures } from './serve-log.side-effect.ts';

describe('serve log features', () => {
  const candidate = (rules: string[]) =>
    ({ score: 0.5, sources: [{ source: 'explore', rank: 2, score: 0 }], rules }) as unknown as Candidate;
  const query = (seen: string[]) =>
    ({ arms: [{ experiment: 'e', arm: 'b' }], sessionSeen: new Set(seen) }) as unknown as FeedQuery;

  it('places the page in its feed session and flags the exploration slot and the arm', () => {
    expect(servedFeatures(query([]), candidate(['exploration_slot @5']))).toEqual({
      score: 0.5,
      'source:explore': 2,
      'arm:e:b': 1,
      exploration_slot: 1,
      session_served: 0,
    });
    // The second page of a session: the ten items of the first were served before it.
    const f = servedFeatures(query(Array.from({ length: 10 }, (_, i) => `v${i}`)), candidate([]));
    expect(f.session_served).toBe(10);
    expect(f.exploration_slot).toBeUndefined();
  });
});
