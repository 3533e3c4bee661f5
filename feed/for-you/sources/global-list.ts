/** How long a global candidate list is shared before the next request refreshes it. */
export const GLOBAL_LIST_MS = 1_000;
/** Past this many refresh intervals a stale list is no longer served while the refresh runs. */
const STALE_LIMIT = 10;

/**
 * A candidate list that is the same for every viewer (trending, fresh uploads), computed at most once
 * per `maxAgeMs` per key and shared by the requests in between: one cache read a second instead of one
 * per request. An expired list is served while its refresh runs (so no request waits on it), unless it
 * is more than ten intervals old; `arg` is what the request that triggers a refresh passes to `load`; a failed refresh is retried by the next request, and a request
 * with no list to fall back on sees the failure (its source is then recorded as failed).
 */
export function globalList<T, A = undefined>(
  load: (key: string, arg: A) => Promise<T>,
  opts: { maxAgeMs?: number; now?: () => number } = {},
): (key: string, arg: A) => Promise<T> {
  const maxAge = opts.maxAgeMs ?? GLOBAL_LIST_MS;
  const now = opts.now ?? (() => performance.now());
  const lists = new Map<string, { at: number; value: T }>();
  const pending = new Map<string, Promise<T>>();
  const refresh = (key: string, arg: A): Promise<T> => {
    let p = pending.get(key);
    if (!p) {
      p = load(key, arg)
        .then((value) => {
          lists.set(key, { at: now(), value });
          return value;
        })
        .finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  };
  return async (key, arg) => {
    const held = lists.get(key);
    const age = held ? now() - held.at : Number.POSITIVE_INFINITY;
    if (held && age < maxAge) return held.value;
    const p = refresh(key, arg);
    if (held && age < maxAge * STALE_LIMIT) {
      p.catch(() => {}); // the next request retries
      return held.value;
    }
    return p;
  };
}
