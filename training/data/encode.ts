/** Encodings shared by every loader, so KuaiRand, platform events and synthetic data agree. */

/** Values that mean "unknown" in the sources: empty, KuaiRand's -124 sentinel, UNKNOWN. */
const UNKNOWN = new Set(['', '-124', 'UNKNOWN', 'nan', 'NaN']);

/** `1.0` → `1` so float-written one-hot columns share a vocabulary with integer ones. */
export function normaliseCategory(raw: string | undefined): string {
  const v = (raw ?? '').trim();
  if (UNKNOWN.has(v)) return '';
  return /^-?\d+\.0+$/.test(v) ? v.slice(0, v.indexOf('.')) : v;
}

/**
 * Maps the distinct values of one categorical column to 1..n (0 = unknown), numbers sorted numerically
 * and strings lexically, so the same input always gives the same indices.
 */
export function buildCategoryIndex(values: Iterable<string | undefined>): Map<string, number> {
  const distinct = new Set<string>();
  for (const raw of values) {
    const v = normaliseCategory(raw);
    if (v !== '') distinct.add(v);
  }
  const sorted = [...distinct].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return new Map(sorted.map((v, i) => [v, i + 1]));
}

/** log1p then standardise each column to mean 0 / sd 1, clipped to [-5, 5]; NaN becomes 0 (the mean). */
export function standardiseLog1p(columns: number[][]): number[][] {
  return columns.map((col) => {
    const logs = col.map((v) => (Number.isFinite(v) && v >= 0 ? Math.log1p(v) : Number.NaN));
    const known = logs.filter((v) => !Number.isNaN(v));
    const mean = known.reduce((s, v) => s + v, 0) / Math.max(1, known.length);
    const sd = Math.sqrt(known.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, known.length)) || 1;
    return logs.map((v) => (Number.isNaN(v) ? 0 : Math.max(-5, Math.min(5, (v - mean) / sd))));
  });
}
