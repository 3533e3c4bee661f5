/** The CDN benchmark's workload: a Zipf draw of objects, and the load run through the origin or the cache. */

/** Indices 0..n-1 drawn with P(k) ∝ 1/(k+1)^s. */
export function zipfSampler(n: number, s: number, rand: () => number): () => number {
  const cdf: number[] = [];
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += 1 / k ** s;
    cdf.push(total);
  }
  return () => {
    const u = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Requests `paths` from `base` over `concurrency` lanes: rate, throughput, hit ratios, errors. */
export async function loadThrough(base: string, paths: readonly string[], concurrency: number) {
  let next = 0;
  let bytes = 0;
  let errors = 0;
  const hit: boolean[] = [];
  const started = performance.now();
  const lane = async () => {
    while (next < paths.length) {
      const i = next++;
      const res = await fetch(`${base}${paths[i]}`);
      const body = await res.arrayBuffer();
      if (res.status !== 200) errors++;
      bytes += body.byteLength;
      hit[i] = res.headers.get('x-cache-status') === 'HIT';
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const s = (performance.now() - started) / 1000;
  return { rps: paths.length / s, mbps: bytes / 1e6 / s, ...cacheRatios(paths, hit), errors };
}

/**
 * Hit ratios with warm-up apart: the first request for each object is a compulsory miss (no cache can
 * hold what it never saw), counted in `compulsoryMissRatio`; `steadyStateHitRatio` is the hit ratio of
 * every later request, which is what the cache itself is judged by.
 */
function cacheRatios(paths: readonly string[], hit: readonly boolean[]) {
  const seen = new Set<string>();
  let later = 0;
  let laterHits = 0;
  for (const [i, p] of paths.entries()) {
    if (!seen.has(p)) {
      seen.add(p);
      continue;
    }
    later++;
    if (hit[i]) laterHits++;
  }
  return {
    hitRatio: hit.filter(Boolean).length / Math.max(1, paths.length),
    compulsoryMissRatio: seen.size / Math.max(1, paths.length),
    steadyStateHitRatio: later > 0 ? laterHits / later : 0,
  };
}
