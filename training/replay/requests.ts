import { createHash } from 'node:crypto';
import type { Cache } from '../../core/cache/ports.ts';
import { DURATION_BUCKET_BOUNDS_MS } from '../../feature-store/signals.ts';
import { TRENDING_KEY } from '../../feature-store/trending.ts';
import { Catalog, type CatalogVideo } from '../../retrieval/catalog.ts';
import type { Dataset, Example } from '../data/schema.ts';
import { replayKeys } from './offline-state.ts';

const DAY_MS = 86_400_000;
/** KuaiRand's days are Beijing days (UTC+8). */
const TZ_MS = 8 * 3_600_000;
const HOUR_MS = 3_600_000;

/** One replayed feed request: a user at a time, and what they long-viewed or liked from then to midnight. */
export interface ReplayRequest {
  user: number;
  timeMs: number;
  /** The surface of the user's first impression that day: where the request comes from. */
  tab: number;
  positives: Set<number>;
}

/** Which days are replayed: validation (to choose knobs) or test (to report). */
export type ReplaySplit = 'validation' | 'test';

/**
 * One request per (user, day of the split) with a positive, at the user's first impression that day;
 * a deterministic hash sample of `maxRequests`, in time order. As in the evaluation protocol
 * (training/eval/README.md), a video shown to the user before the request is not a target: the feed's
 * already-seen filter removes it, and a re-watch says nothing about retrieval.
 */
export function replayRequests(ds: Dataset, split: ReplaySplit, maxRequests: number): ReplayRequest[] {
  const firstShown = new Map<string, number>();
  ds.users.forEach((u, i) => {
    for (const v of [...u.historyWatch, ...u.historyLong, ...u.historyLike])
      firstShown.set(`${i}:${v}`, Number.NEGATIVE_INFINITY);
  });
  for (const ex of [...ds.train, ...ds.validation, ...ds.test]) {
    const k = `${ex.user}:${ex.video}`;
    firstShown.set(k, Math.min(firstShown.get(k) ?? Number.POSITIVE_INFINITY, ex.timeMs));
  }
  const byKey = new Map<string, ReplayRequest>();
  for (const ex of ds[split]) {
    const key = `${ex.user}:${Math.floor((ex.timeMs + TZ_MS) / DAY_MS)}`;
    let r = byKey.get(key);
    if (!r) {
      r = { user: ex.user, timeMs: ex.timeMs, tab: ex.tab, positives: new Set() };
      byKey.set(key, r);
    }
    const seenBefore = (firstShown.get(`${ex.user}:${ex.video}`) ?? ex.timeMs) < r.timeMs;
    if ((ex.labels.longView || ex.labels.like) && !seenBefore) r.positives.add(ex.video);
  }
  const hash = (k: string) => createHash('sha256').update(k).digest().readUInt32BE(0);
  return [...byKey]
    .filter(([, r]) => r.positives.size > 0)
    .sort((a, b) => hash(a[0]) - hash(b[0]))
    .slice(0, maxRequests)
    .map(([, r]) => r)
    .sort((a, b) => a.timeMs - b.timeMs);
}

/** Examples logged before the split starts. */
export function before(ds: Dataset, split: ReplaySplit): Example[] {
  return split === 'test' ? [...ds.train, ...ds.validation] : ds.train;
}

/**
 * A duration in ms that falls in duration bucket `b` (null for the unknown bucket 0), so the serving
 * features, which bucket the catalogue's duration, see the bucket training saw.
 */
export function durationInBucket(b: number): number | null {
  if (b <= 0) return null;
  return DURATION_BUCKET_BOUNDS_MS[b - 1] ?? DURATION_BUCKET_BOUNDS_MS.at(-1)! + 1;
}

/** The catalogue as of the split's start: every video, popularity counted on earlier days only. */
export function replayCatalog(ds: Dataset, split: ReplaySplit): Catalog {
  const views = new Float64Array(ds.videos.length);
  const likes = new Float64Array(ds.videos.length);
  for (const ex of before(ds, split)) {
    views[ex.video]! += ex.labels.click;
    likes[ex.video]! += ex.labels.like;
  }
  const videos: CatalogVideo[] = ds.videos.map((v, i) => ({
    id: replayKeys.video(i),
    authorId: replayKeys.author(v.author),
    privacy: 'public',
    hashtags: v.tags.filter((t) => t > 0).map(replayKeys.tag),
    caption: '',
    createdAt: v.uploadMs,
    durationMs: durationInBucket(v.durationBucket),
    version: 1,
    posterKey: null,
    stats: { views: views[i]!, likes: likes[i]!, comments: 0, shares: 0 },
  }));
  return Catalog.fromVideos(videos);
}

const velocityOf = (e: Example) => e.labels.click + 3 * e.labels.like + 4 * e.labels.comment + 5 * e.labels.forward;

/** The trending set as the features consumer keeps it: engagement velocity over the last hour, replayed. */
export class ReplayTrending {
  readonly #log: Example[];
  readonly #velocity = new Map<number, number>();
  #lo = 0;
  #hi = 0;

  constructor(ds: Dataset) {
    this.#log = [...ds.train, ...ds.validation, ...ds.test].sort((a, b) => a.timeMs - b.timeMs);
  }

  /** Writes the top 200 as of `timeMs` (events strictly before it) into the cache's trending set. */
  async advanceTo(timeMs: number, cache: Cache): Promise<void> {
    const log = this.#log;
    const v = this.#velocity;
    for (; this.#hi < log.length && log[this.#hi]!.timeMs < timeMs; this.#hi++) {
      const e = log[this.#hi]!;
      v.set(e.video, (v.get(e.video) ?? 0) + velocityOf(e));
    }
    for (; this.#lo < this.#hi && log[this.#lo]!.timeMs < timeMs - HOUR_MS; this.#lo++) {
      const e = log[this.#lo]!;
      v.set(e.video, v.get(e.video)! - velocityOf(e));
    }
    await cache.del(TRENDING_KEY);
    const top = [...v]
      .filter(([, x]) => x > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 200);
    if (top.length > 0)
      await cache.zAdd(
        TRENDING_KEY,
        top.map(([id, s]) => ({ member: replayKeys.video(id), score: s })),
      );
  }
}
