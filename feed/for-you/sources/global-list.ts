/** How long a global candidate list is shared before the next request refreshes it. */
export const GLOBAL_LIST_MS = 1_000;

/**
 * A candidate list that is the same for every viewer (trending, fresh uploads, a tag's popular
 * videos), built at most once per `maxAgeMs` of request time per key and shared by the requests in
 * between: one cache read a second instead of one per request. Age is measured on the requests' own
 * clock (`nowMs`), so an offline replay, whose requests are hours apart, rebuilds the list for every
 * request exactly as before. Requests arriving while a list is being rebuilt wait for that one build;
 * a failed build fails those requests (their source is recorded as failed) and the next one retries.
 * At most `maxKeys` keys are held (all are dropped past it).
 */
export function globalList<T, A = undefined>(
  load: (key: string, nowMs: number, arg: A) => Promise<T>,
  opts: { maxAgeMs?: number; maxKeys?: number } = {},
): (key: string, nowMs: number, arg: A) => Promise<T> {
  const maxAge = opts.maxAgeMs ?? GLOBAL_LIST_MS;
  const maxKeys = opts.maxKeys ?? 10_000;
  const lists = new Map<string, { at: number; value: T }>();
  const pending = new Map<string, Promise<T>>();
  return (key, nowMs, arg) => {
    const held = lists.get(key);
    if (held && nowMs >= held.at && nowMs - held.at < maxAge) return Promise.resolve(held.value);
    let p = pending.get(key);
    if (!p) {
      p = load(key, nowMs, arg)
        .then((value) => {
          if (lists.size >= maxKeys) lists.clear();
          lists.set(key, { at: nowMs, value });
          return value;
        })
        .finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  };
}
