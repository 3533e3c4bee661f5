/**
 * The ranker's features, one import for training and serving: the state and how events fold into it
 * (`feature-state.ts`), the vector read from it (`feature-vector.ts`) and the training replay that
 * computes every logged example point in time (`point-in-time.ts`).
 * @remarks Imports nothing from training: serving loads this module on its own.
 */
export {
  applyEvent,
  applyExample,
  applyInteraction,
  DEFAULT_FEATURE_CONFIG,
  type DecayedCounters,
  decayedValue,
  type EntityKey,
  type FeatureConfig,
  type FeatureEvent,
  type FeatureState,
  type FeatureUser,
  type FeatureVideo,
  type InteractionSignals,
  newFeatureState,
  strongestTags,
  toFeatureVideo,
  type UserFeatureState,
} from './feature-state.ts';
export {
  FEATURE_NAMES,
  FEATURE_VERSION,
  type FeatureContext,
  featureVector,
  featureVectors,
  longViewRates,
  UNKNOWN_SURFACE,
} from './feature-vector.ts';
export { type FeatureDataset, type FeatureExample, pointInTimeFeatures } from './point-in-time.ts';
