import type { Candidate, FilterResult } from '../types.ts';

/** Splits candidates by a predicate, keeping order on both sides. */
export function partition(candidates: readonly Candidate[], keep: (c: Candidate) => boolean): FilterResult<Candidate> {
  const kept: Candidate[] = [];
  const removed: Candidate[] = [];
  for (const c of candidates) (keep(c) ? kept : removed).push(c);
  return { kept, removed };
}
