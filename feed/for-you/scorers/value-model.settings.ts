import { z } from 'zod';
import { FEATURE_NAMES } from '../../../feature-store/definitions.ts';
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
    /**
     * Ranker features read at the request's median over its candidates instead of each candidate's
     * own value (model.scorer.ts). For exposure counts: logged watching rises with how often a video
     * was shown (people herd on what is popular), so a ranker trained on the platform's own log credits
     * exposure with what the viewer's taste does not explain; reading every candidate at the same
     * exposure ranks them by the rest (a do-intervention on exposure). Empty = every feature as is.
     */
    median_features: z.array(z.enum(FEATURE_NAMES)).default([]),
  }),
);
