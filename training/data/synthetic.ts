import { createHash } from 'node:crypto';
import { seededRandom } from '../../core/random.ts';
import { DURATION_BUCKET_BOUNDS_MS, DURATION_BUCKETS } from '../../feature-store/signals.ts';

/** A representative length of a duration bucket (no extra random draw, so generated data stays as it was). */
function bucketMidMs(bucket: number): number {
  const hi = DURATION_BUCKET_BOUNDS_MS[bucket - 1] ?? 600_000;
  const lo = DURATION_BUCKET_BOUNDS_MS[bucket - 2] ?? 0;
  return Math.round((lo + hi) / 2);
}

import type { Dataset, Example, Labels, UserRow, VideoRow } from './schema.ts';
import { type SplitBounds, splitByTime } from './split.ts';

/** Sizes and seed of a synthetic dataset. */
export interface SyntheticOptions {
  users?: number;
  videos?: number;
  examples?: number;
  clusters?: number;
  days?: number;
  seed?: number;
  /** First impression time (epoch ms); defaults to the KuaiRand slice start. */
  startMs?: number;
}

const DAY_MS = 86_400_000;
const DEFAULTS = {
  users: 2000,
  videos: 1000,
  examples: 60_000,
  clusters: 8,
  days: 14,
  seed: 42,
  startMs: 1650816000000,
};

/** The split of a synthetic dataset: the last 4 of 14 days are validation (2) and test (2), like KuaiRand's. */
export function syntheticSplit(opts: SyntheticOptions = {}): SplitBounds {
  const o = { ...DEFAULTS, ...opts };
  const valDays = Math.max(1, Math.round((o.days * 2) / 14));
  return {
    validationStartMs: o.startMs + (o.days - 2 * valDays) * DAY_MS,
    testStartMs: o.startMs + (o.days - valDays) * DAY_MS,
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Cumulative weights for O(log n) weighted sampling. */
function cumulative(weights: readonly number[]): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => {
    s += w;
    c[i] = s;
  });
  return c;
}

function sample(cum: Float64Array, r: number): number {
  const target = r * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A deterministic dataset with planted structure: users and videos belong to clusters, users mostly
 * see and mostly like videos of their own cluster, popularity is Zipf-skewed, authors and tags follow
 * clusters, some videos are uploaded mid-period and a few users arrive only in the test days.
 */
export function generateSynthetic(opts: SyntheticOptions = {}): Dataset {
  const o = { ...DEFAULTS, ...opts };
  if (o.users < 10 || o.videos < 10 || o.examples < 100 || o.clusters < 2) {
    throw new Error('synthetic: need at least 10 users, 10 videos, 100 examples and 2 clusters');
  }
  const rand = seededRandom(o.seed);
  const randInt = (n: number) => Math.floor(rand() * n);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const bounds = syntheticSplit(o);
  const endMs = o.startMs + o.days * DAY_MS;
  const C = o.clusters;
  const tagsPerCluster = 3;

  const userCluster = Array.from({ length: o.users }, () => randInt(C));
  const userTaste = Array.from({ length: o.users }, () => 0.5 + rand());
  const lateUser = Array.from({ length: o.users }, () => rand() < 0.03);
  const activity = cumulative(Array.from({ length: o.users }, () => Math.exp(normal())));

  const authorsPerCluster = Math.max(2, Math.floor(o.videos / 5 / C));
  const videoCluster = Array.from({ length: o.videos }, () => randInt(C));
  const popularity = Array.from({ length: o.videos }, (_, i) => 1 / (1 + i) ** 0.8);
  for (let i = popularity.length - 1; i > 0; i--) {
    const j = randInt(i + 1);
    [popularity[i], popularity[j]] = [popularity[j]!, popularity[i]!];
  }
  const quality = Array.from({ length: o.videos }, () => normal() * 0.5);
  const videos: VideoRow[] = videoCluster.map((c, v) => {
    const fresh = rand() < 0.1;
    const tags = [1 + c * tagsPerCluster + randInt(tagsPerCluster)];
    if (rand() < 0.3) tags.push(1 + randInt(C * tagsPerCluster));
    return {
      externalId: `v${v}`,
      author: 1 + c * authorsPerCluster + randInt(authorsPerCluster),
      tags,
      durationBucket: 1 + randInt(DURATION_BUCKETS - 1),
      durationMs: 0,
      uploadMs: fresh ? o.startMs + rand() * (endMs - o.startMs) : o.startMs - (1 + randInt(14)) * DAY_MS,
      cats: [1 + randInt(2), 1 + randInt(5), 1 + randInt(4), 1 + randInt(3)],
    };
  });
  for (const v of videos) v.durationMs = bucketMidMs(v.durationBucket);
  const byCluster = Array.from({ length: C }, () => [] as number[]);
  videoCluster.forEach((c, v) => {
    byCluster[c]!.push(v);
  });
  const clusterCum = byCluster.map((vs) => cumulative(vs.map((v) => popularity[v]!)));
  const globalCum = cumulative(popularity);

  const pickVideo = (u: number, t: number): number => {
    for (let tries = 0; tries < 20; tries++) {
      const c = userCluster[u]!;
      const v =
        rand() < 0.7 && byCluster[c]!.length > 0
          ? byCluster[c]![sample(clusterCum[c]!, rand())]!
          : sample(globalCum, rand());
      if (videos[v]!.uploadMs <= t) return v;
    }
    return sample(globalCum, rand());
  };
  const labelsFor = (u: number, v: number): Labels => {
    const affinity = (videoCluster[v] === userCluster[u] ? 1.8 : 0) * userTaste[u]! + quality[v]!;
    const longView = rand() < sigmoid(-1.6 + affinity) ? 1 : 0;
    const click = longView || rand() < 0.25 ? 1 : 0;
    return {
      click,
      longView,
      like: rand() < sigmoid(-6.5 + 1.2 * affinity + 1.2 * longView) ? 1 : 0,
      follow: rand() < sigmoid(-7 + affinity) ? 1 : 0,
      comment: rand() < sigmoid(-6.5 + affinity) ? 1 : 0,
      forward: rand() < sigmoid(-7.5 + affinity) ? 1 : 0,
      hate: rand() < sigmoid(-6.5 - affinity) ? 1 : 0,
      watchRatio: Math.min(5, longView ? 0.8 + rand() * rand() * 3 : rand() * 0.5),
    };
  };

  const users: UserRow[] = userCluster.map((c, u) => {
    const row: UserRow = {
      externalId: `u${u}`,
      cats: [rand() < 0.5 ? 1 + c : 1 + randInt(C), 1 + randInt(4), 1 + randInt(2)],
      nums: [normal(), normal(), normal(), normal()],
      historyWatch: [],
      historyLike: [],
      historyLong: [],
    };
    // Pre-period history; late users and a few others have none (cold).
    const n = lateUser[u] || rand() < 0.05 ? 0 : randInt(30);
    for (let i = 0; i < n; i++) {
      const v = pickVideo(u, o.startMs);
      const l = labelsFor(u, v);
      row.historyWatch.push(v);
      if (l.longView) row.historyLong.push(v);
      if (l.like) row.historyLike.push(v);
    }
    return row;
  });

  const times = Array.from({ length: o.examples }, () => o.startMs + rand() * (endMs - o.startMs)).sort(
    (a, b) => a - b,
  );
  const examples: Example[] = times.map((t) => {
    const timeMs = Math.floor(t);
    let u = sample(activity, rand());
    for (let tries = 0; lateUser[u] && timeMs < bounds.testStartMs && tries < 50; tries++) u = sample(activity, rand());
    const v = pickVideo(u, timeMs);
    return { user: u, video: v, timeMs, tab: 1 + randInt(3), labels: labelsFor(u, v) };
  });

  return {
    name: `synthetic-seed${o.seed}`,
    dataHash: createHash('sha256').update(JSON.stringify(o)).digest('hex'),
    users,
    videos,
    vocab: {
      users: o.users,
      videos: o.videos,
      authors: 1 + C * authorsPerCluster,
      tags: 1 + C * tagsPerCluster,
      durationBuckets: DURATION_BUCKETS,
      userCats: [C + 1, 5, 3],
      videoCats: [3, 6, 5, 4],
      userNums: 4,
    },
    ...splitByTime(examples, bounds),
  };
}
