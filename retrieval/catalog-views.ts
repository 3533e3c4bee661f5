import type { CatalogVideo } from './catalog-video.ts';

/**
 * The catalogue's derived views, kept up to date one change at a time: a catalogue of 100k videos
 * took 110 ms to re-sort by popularity and 140–230 ms to re-index by author and tag, on the event
 * loop, after every refresh that saw an upload or a counter change.
 */

/** Newest upload first; ties broken by id so the order is total and removal can binary-search. */
export function newerFirst(a: CatalogVideo, b: CatalogVideo): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The first index whose video does not sort before `v`. */
function lowerBound(list: readonly CatalogVideo[], v: CatalogVideo): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newerFirst(list[mid]!, v) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `v` into a newest-first list (new uploads land at or near the front). */
export function insertNewest(list: CatalogVideo[], v: CatalogVideo): void {
  list.splice(lowerBound(list, v), 0, v);
}

/** Removes the entry for `v.id` placed by `v`'s upload time; false when it is not there. */
export function removeNewest(list: CatalogVideo[], v: CatalogVideo): boolean {
  const i = lowerBound(list, v);
  if (list[i]?.id !== v.id) return false;
  list.splice(i, 1);
  return true;
}

/** Adds `v` to the newest-first list under `key`. */
export function addToGroup(groups: Map<string, CatalogVideo[]>, key: string, v: CatalogVideo): void {
  const list = groups.get(key);
  if (list) insertNewest(list, v);
  else groups.set(key, [v]);
}

/** Removes `v` from the list under `key`, dropping the key when its list empties. */
export function removeFromGroup(groups: Map<string, CatalogVideo[]>, key: string, v: CatalogVideo): void {
  const list = groups.get(key);
  if (!list) return;
  removeNewest(list, v);
  if (list.length === 0) groups.delete(key);
}

/** The popularity the fallback ranking uses: likes weigh as much as five views. */
export function popularity(v: CatalogVideo): number {
  return v.stats.views + 5 * v.stats.likes + 8 * v.stats.comments + 10 * v.stats.shares;
}

/**
 * The `k` most popular of `newest` (every video, newest first), most popular first and newer first
 * among equals. Finds the k-th score with a native numeric sort of a Float64Array and orders only the
 * videos above it: ~10 ms for 100k videos, against 110 ms for sorting them all with a comparator.
 */
export function topByPopularity(newest: readonly CatalogVideo[], k: number): CatalogVideo[] {
  const n = newest.length;
  if (k <= 0 || n === 0) return [];
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = popularity(newest[i]!);
  const threshold = n <= k ? Number.NEGATIVE_INFINITY : scores.slice().sort()[n - k]!;
  const above: number[] = [];
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    if (scores[i]! > threshold) above.push(i);
    else if (scores[i] === threshold) at.push(i);
  }
  // An index into `newest` is its recency rank, so the lower index is the newer video.
  above.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const out = above.map((i) => newest[i]!);
  for (const i of at) {
    if (out.length >= k) break;
    out.push(newest[i]!);
  }
  return out;
}
