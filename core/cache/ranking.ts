/**
 * The in-process cache's sorted-set order, kept between reads (`cache.memory.ts`): ZREVRANGE's ranking and
 * the merge of a small sorted batch into it.
 */
import { compareMembers } from './validate.ts';

/** A sorted set's member and score as read; frozen, so a ranking can be handed out by many reads. */
export type Ranked = Readonly<{ member: string; score: number }>;

/** ZREVRANGE's order: highest score first, equal scores in reverse member (byte) order. */
export const byRank = (a: Ranked, b: Ranked): number => b.score - a.score || compareMembers(b.member, a.member);

/** Two rankings (each in `byRank` order, no member in both) as one. */
export function mergeRanked(a: readonly Ranked[], b: readonly Ranked[]): Ranked[] {
  const out: Ranked[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = byRank(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
