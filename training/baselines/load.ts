import type { RankingModel, RetrievalModel } from '../models/types.ts';
import { bufferToF32, type SaveableRetrieval } from './artifacts.ts';
import { DEFAULT_ITEM_KNN, type ItemKnnConfig, loadItemKnn } from './item-knn.ts';
import { type LogRegWeights, logRegModel } from './logreg.ts';
import { DEFAULT_MF, type MfConfig, mfFromItemFactors } from './mf.ts';
import { randomModel, StaticScores } from './popular.ts';

/** The baseline families this module can rebuild from artifacts. */
export const BASELINE_FAMILIES = ['random', 'most_popular', 'decayed_popular', 'item_knn', 'mf', 'logreg'] as const;

/** Rebuilds a saved baseline from its files, dims and config (as recorded in `metadata.json`). */
export function loadBaseline(
  family: string,
  files: Record<string, Buffer>,
  dims: Record<string, number>,
  config: unknown,
): { retrieval?: SaveableRetrieval | RetrievalModel; ranking?: RankingModel } {
  const need = (f: string) => {
    const b = files[f];
    if (!b) throw new Error(`${family} artifact: missing ${f}`);
    return b;
  };
  switch (family) {
    case 'random':
      return { retrieval: randomModel(dims.videos ?? 0, (config as { seed?: number })?.seed ?? 1) };
    case 'most_popular':
    case 'decayed_popular':
      return { retrieval: new StaticScores(family, bufferToF32(need('scores.f32')), config) };
    case 'item_knn':
      return { retrieval: loadItemKnn(files, { ...DEFAULT_ITEM_KNN, ...(config as Partial<ItemKnnConfig>) }) };
    case 'mf':
      return {
        retrieval: mfFromItemFactors(bufferToF32(need('item_factors.f32')), {
          ...DEFAULT_MF,
          ...(config as Partial<MfConfig>),
        }),
      };
    case 'logreg':
      return { ranking: logRegModel(JSON.parse(need('weights.json').toString('utf8')) as LogRegWeights) };
    default:
      throw new Error(`no loader for model family "${family}" (known: ${BASELINE_FAMILIES.join(', ')})`);
  }
}
