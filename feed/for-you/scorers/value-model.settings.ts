import { z } from 'zod';
import { combineSchema, valueWeightsSchema } from '../../../ranking/value-model.ts';
import { slot } from '../../pipeline/settings.ts';

/**
 * The value model's settings (head weights from `experiments/value-model.yaml` and how the ranker's
 * value combines with the retrieval prior), read by the ranker scorer, the fallback scorer and the
 * retrieval-prior pre-ranker: one slot, so an arm that changes them changes all three. `ranker_version`
 * pins the ranker to a registered version instead of production (an experiment arm's model version;
 * loaded on demand beside production, see `model-format/pinned-versions.ts`).
 */
export const VALUE_MODEL_SETTINGS = slot(
  'value_model',
  z.strictObject({
    weights: valueWeightsSchema,
    combine: combineSchema.default(combineSchema.parse({})),
    ranker_version: z.string().min(1).nullable().default(null),
  }),
);
