/**
 * The loop's warm start: each cycle begins a neural model from the version in production (its weights,
 * the keys of their rows, a ranker's feature normalisation) and steps over the log production has not
 * learnt from (from the start of its held-out window on), instead of refitting from scratch.
 */
import type { WarmFit } from '../cli/trainers.ts';
import type { ProductionModel } from './production.ts';

/** The first moment production did not train on: its held-out window's start (else after its training end). */
function learntUntil(lineage: unknown): number | undefined {
  const w = (lineage as { dataWindow?: { heldOutStartMs?: unknown; trainEndMs?: unknown } } | undefined)?.dataWindow;
  if (typeof w?.heldOutStartMs === 'number') return w.heldOutStartMs;
  if (typeof w?.trainEndMs === 'number') return w.trainEndMs + 1;
  return undefined;
}

/** The warm start from a production model; a ranker's feature normalisation comes along (its `config`). */
export function warmFitFrom(prod: ProductionModel): WarmFit {
  const { featureMean, featureInvStd } = prod.config as { featureMean?: number[]; featureInvStd?: number[] };
  const from = learntUntil(prod.lineage);
  return {
    warmStart: {
      from: `${prod.name}@${prod.version}`,
      params: prod.params,
      ids: prod.ids,
      featureNames: prod.featureNames,
      ...(featureMean && featureInvStd ? { featureMean, featureInvStd } : {}),
    },
    ...(from !== undefined ? { trainFromMs: from } : {}),
  };
}
