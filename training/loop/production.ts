/**
 * Production's neural model as the loop needs it: as a warm start for the next fit, and re-indexed onto
 * the cycle's dataset so the gate can judge it on the same held-out window as the candidate (each
 * dataset numbers users, videos, authors and tags afresh; rows are mapped by key, and an id production
 * never saw reads production's own unknown row, as it would when serving).
 */
import { IDS_FILE, MANIFEST_FILE, WEIGHTS_FILE } from '../../model-format/artifact-files.ts';
import type { Params } from '../../model-format/weights.ts';
import { unpackParams, type WeightEntry } from '../../model-format/weights.ts';
import type { Dataset } from '../data/schema.ts';
import type { EvalSubject } from '../eval/run.ts';
import type { ParamSpec } from '../models/common/params.ts';
import { type IdKeys, idKeysOf, warmStartParams } from '../models/common/warm-start.ts';
import type { ModelRegistry } from '../registry/registry.ts';

const NEURAL = new Set(['two_tower', 'ranker']);

/** A production version's weights, the keys of their rows, and what it was configured and trained with. */
export interface ProductionModel {
  name: string;
  version: string;
  family: 'two_tower' | 'ranker';
  params: Params;
  ids: IdKeys;
  config: Record<string, unknown>;
  featureNames: readonly string[];
  lineage: unknown;
}

/** Reads the production version of `name` when it is a neural model of `family`. */
export async function readProduction(
  registry: ModelRegistry,
  name: string,
  family: string,
): Promise<ProductionModel | undefined> {
  if (!NEURAL.has(family)) return undefined;
  const rec = await registry.byStage(name, 'production');
  if (!rec || rec.metadata.family !== family) return undefined;
  const read = (file: string) => registry.objects.getBuffer(rec.artifactPrefix + file);
  const manifest = JSON.parse((await read(MANIFEST_FILE)).toString('utf8')) as WeightEntry[];
  return {
    name,
    version: rec.version,
    family: family as ProductionModel['family'],
    params: unpackParams(manifest, await read(WEIGHTS_FILE)),
    ids: JSON.parse((await read(IDS_FILE)).toString('utf8')) as IdKeys,
    config: (rec.metadata.config ?? {}) as Record<string, unknown>,
    featureNames: rec.metadata.featureNames,
    lineage: rec.metadata.lineage,
  };
}

/** Which rows of an id table are the unknown bucket: the last for users and videos, the first otherwise. */
const UNKNOWN_ROW: Record<string, 'first' | 'last'> = {
  'user.id': 'last',
  'video.id': 'last',
  'video.author': 'first',
  'author.id': 'first',
  'video.tags': 'first',
};

/** Production's parameters in the shapes of `specs` (the cycle's vocabulary), rows mapped by key. */
function reindexed(prod: ProductionModel, specs: readonly ParamSpec[], to: IdKeys): Params {
  const base: Params = new Map();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const old = prod.params.get(s.name);
    const where = UNKNOWN_ROW[s.name];
    if (old && where) {
      const width = n / (s.shape[0] ?? 1);
      const r = where === 'last' ? (old.shape[0] ?? 1) - 1 : 0;
      const unknown = old.values.subarray(r * width, (r + 1) * width);
      for (let i = 0; i < (s.shape[0] ?? 0); i++) values.set(unknown, i * width);
    }
    base.set(s.name, { shape: [...s.shape], values });
  }
  return warmStartParams(base, { from: prod.version, params: prod.params, ids: prod.ids }, to).params;
}

/**
 * Production as an evaluation subject on `ds` (named `<name>@production`), or undefined when its
 * shapes no longer fit (a changed hyper-parameter or feature list: then only its recorded metrics remain).
 */
export async function productionSubject(prod: ProductionModel, ds: Dataset): Promise<EvalSubject | undefined> {
  const to = idKeysOf(ds);
  const name = `${prod.name}@production`;
  if (prod.family === 'ranker') {
    const { buildRanker } = await import('../models/ranker/model.ts');
    const { RankerModel } = await import('../models/ranker/ranker.model.ts');
    const { heads: _h, featureMean, featureInvStd, ...hp } = prod.config as Record<string, unknown>;
    if (!Array.isArray(featureMean) || !Array.isArray(featureInvStd)) return undefined;
    const spec = {
      vocab: ds.vocab,
      hp: hp as never,
      featureNames: [...prod.featureNames],
      featureMean: featureMean as number[],
      featureInvStd: featureInvStd as number[],
    };
    const specs = buildRanker(spec);
    if (!fits(prod, specs)) return undefined;
    const authors = Int32Array.from(ds.videos, (v) => v.author);
    return { name, ranking: new RankerModel(spec, reindexed(prod, specs, to), authors, to) };
  }
  const { buildTwoTower } = await import('../models/two-tower/model.ts');
  const { TwoTowerModel } = await import('../models/two-tower/two-tower.model.ts');
  const { spec, params: specs } = buildTwoTower(ds.vocab, prod.config as never);
  if (!fits(prod, specs)) return undefined;
  return { name, retrieval: new TwoTowerModel(spec, reindexed(prod, specs, to), ds.users, ds.videos, to) };
}

/** Every non-table tensor of the new shapes exists in production with the same shape. */
function fits(prod: ProductionModel, specs: readonly ParamSpec[]): boolean {
  return specs.every((s) => {
    const old = prod.params.get(s.name);
    if (!old) return false;
    if (UNKNOWN_ROW[s.name]) return old.shape.slice(1).join() === s.shape.slice(1).join();
    return old.shape.join() === s.shape.join();
  });
}
