/**
 * The loop's warm start: each cycle begins a neural model from the version in production (its weights,
 * the keys of their rows, a ranker's feature normalisation) and steps over the log production has not
 * learnt from (from the start of its held-out window on), instead of refitting from scratch.
 */
import { IDS_FILE, MANIFEST_FILE, WEIGHTS_FILE } from '../../model-format/artifact-files.ts';
import { unpackParams, type WeightEntry } from '../../model-format/weights.ts';
import type { WarmFit } from '../cli/trainers.ts';
import type { IdKeys } from '../models/common/warm-start.ts';
import type { ModelRegistry } from '../registry/registry.ts';

const NEURAL = new Set(['two_tower', 'ranker']);

/** The first moment production did not train on: its held-out window's start (else after its training end). */
function learntUntil(lineage: unknown): number | undefined {
  const w = (lineage as { dataWindow?: { heldOutStartMs?: unknown; trainEndMs?: unknown } } | undefined)?.dataWindow;
  if (typeof w?.heldOutStartMs === 'number') return w.heldOutStartMs;
  if (typeof w?.trainEndMs === 'number') return w.trainEndMs + 1;
  return undefined;
}

/**
 * The warm start of model `name` (of `family`) from its production version, or undefined when there is
 * none or it is of another family. A ranker's feature normalisation comes along (its `config`).
 */
export async function productionWarmStart(
  registry: ModelRegistry,
  name: string,
  family: string,
): Promise<WarmFit | undefined> {
  if (!NEURAL.has(family)) return undefined;
  const rec = await registry.byStage(name, 'production');
  if (!rec || rec.metadata.family !== family) return undefined;
  const read = (file: string) => registry.objects.getBuffer(rec.artifactPrefix + file);
  const manifest = JSON.parse((await read(MANIFEST_FILE)).toString('utf8')) as WeightEntry[];
  const params = unpackParams(manifest, await read(WEIGHTS_FILE));
  const ids = JSON.parse((await read(IDS_FILE)).toString('utf8')) as IdKeys;
  const config = (rec.metadata.config ?? {}) as { featureMean?: number[]; featureInvStd?: number[] };
  const from = learntUntil(rec.metadata.lineage);
  return {
    warmStart: {
      from: `${name}@${rec.version}`,
      params,
      ids,
      featureNames: rec.metadata.featureNames,
      ...(config.featureMean && config.featureInvStd
        ? { featureMean: config.featureMean, featureInvStd: config.featureInvStd }
        : {}),
    },
    ...(from !== undefined ? { trainFromMs: from } : {}),
  };
}
