import { type FeatureConfig, pointInTimeFeatures } from '../../feature-store/definitions.ts';
import type { RankingInput } from '../models/types.ts';
import type { Dataset } from './schema.ts';

/** Ranking inputs of every split, with features computed point in time by one replay over all examples. */
export function buildRankingInputs(
  ds: Dataset,
  config?: FeatureConfig,
): { train: RankingInput[]; validation: RankingInput[]; test: RankingInput[] } {
  const all = [...ds.train, ...ds.validation, ...ds.test];
  const { features } = pointInTimeFeatures(ds, all, config);
  const inputs = all.map((example, i) => ({ example, features: features[i]! }));
  const a = ds.train.length;
  const b = a + ds.validation.length;
  return { train: inputs.slice(0, a), validation: inputs.slice(a, b), test: inputs.slice(b) };
}
