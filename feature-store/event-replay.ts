/**
 * The offline feature builder for the platform's own log: events replayed in time order through the
 * same `applyEvent` the online store folds with, and each impression's feature vector read just
 * before it is applied — the state a feed request at that moment would have read.
 */
import {
  applyEvent,
  DEFAULT_FEATURE_CONFIG,
  type FeatureConfig,
  type FeatureEvent,
  type FeatureState,
  type FeatureUser,
  featureVector,
  newFeatureState,
} from './definitions.ts';

/**
 * Features of every impression event of `events` (aligned with the impressions in time order), each
 * from the state built by the events before it. Input order breaks ties in time, as log order does.
 */
export function featuresAtImpressions(
  events: readonly FeatureEvent[],
  userOf: (id: FeatureEvent['userId']) => FeatureUser,
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
): { impressions: FeatureEvent[]; features: Float32Array[]; state: FeatureState } {
  const state = newFeatureState(config);
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.timeMs - b.e.timeMs || a.i - b.i);
  const impressions: FeatureEvent[] = [];
  const features: Float32Array[] = [];
  for (const { e } of ordered) {
    if (e.type === 'impression') {
      impressions.push(e);
      features.push(featureVector(state, userOf(e.userId), e.video, e.timeMs));
    }
    applyEvent(state, e);
  }
  return { impressions, features, state };
}
