import type { SimUser, VideoLatent } from './population.ts';

/** One served item as the diagnostics see it: who, where, why (the sources that proposed it) and its truth. */
export interface ServedTrace {
  day: number;
  arm: string;
  user: number;
  /** Items served to this user before this one (all days). */
  served: number;
  /** Position in the session. */
  position: number;
  /** Rank (0 = strongest) of the video's topic among the user's interests today. */
  topicRank: number;
  quality: number;
  affinity: number;
  /** Sources that proposed the item (e.g. interests, two_tower), with their rank in each. */
  sources: { source: string; rank: number }[];
  /** The score the platform ranked it by, and the fallback scorer's terms when it served. */
  score: number | null;
  valueTerms: Record<string, number> | null;
  /** The scorer that ordered the page (`ranker`, or `fallback` when no ranker is loaded or it failed) and the page's errors. */
  scorer: string | null;
  errors: unknown;
}

/** The trace row of one served item (`explain` is the item's explanation from the feed). */
export function traceRow(
  at: { user: SimUser; arm: string | undefined; served: number; day: number; position: number },
  latent: VideoLatent,
  affinity: number,
  explain: Record<string, unknown> | undefined,
  page?: Record<string, unknown>,
): ServedTrace {
  const mine = at.user.interests[latent.topic] ?? 0;
  const sources = (explain?.sources ?? []) as { source: string; rank: number }[];
  return {
    day: at.day,
    arm: at.arm ?? 'all',
    user: at.user.index,
    served: at.served,
    position: at.position,
    topicRank: at.user.interests.filter((x) => x > mine).length,
    quality: latent.quality,
    affinity,
    sources: sources.map((x) => ({ source: x.source, rank: x.rank })),
    score: typeof explain?.score === 'number' ? explain.score : null,
    valueTerms: (explain?.value_terms ?? null) as Record<string, number> | null,
    scorer: typeof page?.scorer === 'string' ? page.scorer : null,
    errors: page?.errors ?? null,
  };
}

/** Where in a user's history an item was served: their first page, second page, then later. */
const BUCKETS: readonly [string, number, number][] = [
  ['items 0-9', 0, 10],
  ['items 10-19', 10, 20],
  ['items 20-59', 20, 60],
  ['items 60+', 60, Number.POSITIVE_INFINITY],
];

interface Cell {
  n: number;
  affinity: number;
  quality: number;
  top1: number;
  top3: number;
}
const cell = (): Cell => ({ n: 0, affinity: 0, quality: 0, top1: 0, top3: 0 });
function add(c: Cell, r: ServedTrace): void {
  c.n++;
  c.affinity += r.affinity;
  c.quality += r.quality;
  if (r.topicRank === 0) c.top1++;
  if (r.topicRank < 3) c.top3++;
}

/** The source an item is credited to: the first that proposed it (sources merge in pipeline order). */
const primary = (r: ServedTrace) => r.sources[0]?.source ?? '(none)';

/**
 * A per-position profile of a trace, per arm and phase (`day 0`, `days 1..`): for each position bucket
 * the mean true affinity, quality and share of the user's top-1 / top-3 topics, overall and by the
 * source the item is credited to (with its share of the bucket). Printed as text lines.
 */
export function summariseTrace(rows: readonly ServedTrace[]): string[] {
  const groups = new Map<string, Map<string, Map<string, Cell>>>();
  for (const r of rows) {
    const g = `${r.arm} ${r.day === 0 ? 'day 0' : 'days 1..'}`;
    const b = BUCKETS.find(([, lo, hi]) => r.served >= lo && r.served < hi)![0];
    const byBucket = groups.get(g) ?? new Map<string, Map<string, Cell>>();
    groups.set(g, byBucket);
    const bySource = byBucket.get(b) ?? new Map<string, Cell>();
    byBucket.set(b, bySource);
    for (const s of ['(all)', primary(r)]) {
      const c = bySource.get(s) ?? cell();
      bySource.set(s, c);
      add(c, r);
    }
  }
  const out: string[] = [];
  const f = (x: number) => x.toFixed(3);
  for (const [g, byBucket] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`${g}`);
    for (const [b] of BUCKETS) {
      const bySource = byBucket.get(b);
      if (!bySource) continue;
      const all = bySource.get('(all)')!;
      for (const [s, c] of [...bySource].sort((x, y) => y[1].n - x[1].n)) {
        out.push(
          `  ${b.padEnd(12)} ${s.padEnd(16)} share ${f(c.n / all.n)} n ${String(c.n).padStart(6)}  affinity ${f(c.affinity / c.n)}  quality ${f(c.quality / c.n)}  top1 ${f(c.top1 / c.n)}  top3 ${f(c.top3 / c.n)}`,
        );
      }
    }
  }
  return out;
}
