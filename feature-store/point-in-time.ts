/**
 * The training path to the features: every logged example's vector from the state built by strictly
 * earlier examples, with the same folding and vector code serving uses.
 */
import {
  applyExample,
  DEFAULT_FEATURE_CONFIG,
  type FeatureConfig,
  type FeatureState,
  type FeatureUser,
  type FeatureVideo,
  newFeatureState,
} from './feature-state.ts';
import { FEATURE_NAMES, featureVector } from './feature-vector.ts';
import type { Labels } from './signals.ts';

/** The data `pointInTimeFeatures` needs; a training `Dataset` satisfies it. */
export interface FeatureDataset {
  users: readonly {
    nums: readonly number[];
    historyWatch: readonly number[];
    historyLike: readonly number[];
    historyLong: readonly number[];
  }[];
  videos: readonly {
    author: number;
    tags: readonly number[];
    durationBucket: number;
    uploadMs: number;
    durationMs?: number;
  }[];
}

/** An example as the replay reads it. */
export interface FeatureExample {
  user: number;
  video: number;
  timeMs: number;
  /** The surface it was shown on (0 when unknown). */
  tab?: number;
  labels: Partial<Labels>;
}

/**
 * Features for every example, each computed from the state built by strictly earlier examples (ties
 * in time see none of each other), after seeding users' pre-period histories. Output is aligned with
 * the input order; the vectors share one buffer.
 */
export function pointInTimeFeatures(
  ds: FeatureDataset,
  examples: readonly FeatureExample[],
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
): { features: Float32Array[]; state: FeatureState } {
  const state = newFeatureState(config);
  const videos: FeatureVideo[] = ds.videos.map((v, i) => ({ ...v, id: i }));
  const users: FeatureUser[] = ds.users.map((u, i) => ({ id: i, nums: u.nums }));
  const order = [...examples.keys()].sort((a, b) => examples[a]!.timeMs - examples[b]!.timeMs || a - b);
  const firstMs = examples[order[0] ?? 0]?.timeMs ?? 0;
  // The pre-period has no per-item times: it is folded in just before the first example.
  const seedMs = firstMs - 1;
  ds.users.forEach((u, i) => {
    const liked = new Set(u.historyLike);
    const long = new Set(u.historyLong);
    // The long and like sequences reach further back than the last 50 impressions.
    const seen = [...new Set([...u.historyLike, ...u.historyLong, ...u.historyWatch])];
    for (const v of seen) {
      const l = long.has(v) ? 1 : 0;
      const k = liked.has(v) ? 1 : 0;
      applyExample(state, i, videos[v]!, seedMs, { click: l | k, longView: l, like: k });
    }
  });
  const dim = FEATURE_NAMES.length;
  const buffer = new Float32Array(examples.length * dim);
  const features: Float32Array[] = new Array(examples.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    const t = examples[order[start]!]!.timeMs;
    while (end < order.length && examples[order[end]!]!.timeMs === t) end++;
    for (let k = start; k < end; k++) {
      const i = order[k]!;
      const ex = examples[i]!;
      const row = buffer.subarray(i * dim, (i + 1) * dim);
      row.set(featureVector(state, users[ex.user]!, videos[ex.video]!, ex.timeMs, { tab: ex.tab ?? 0 }));
      features[i] = row;
    }
    for (let k = start; k < end; k++) {
      const ex = examples[order[k]!]!;
      applyExample(state, ex.user, videos[ex.video]!, ex.timeMs, ex.labels);
    }
    start = end;
  }
  return { features, state };
}
