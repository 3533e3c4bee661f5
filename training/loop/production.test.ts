import { beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import type { Dataset, Example } from '../data/schema.ts';
import { tinyDataset, tinyRanker, tinyTwoTower } from '../models/common/test-models.ts';
import type { RankerModel } from '../models/ranker/ranker.model.ts';
import type { TwoTowerModel } from '../models/two-tower/two-tower.model.ts';
import { type ProductionModel, productionSubject } from './production.ts';

/** The same data numbered afresh: users and videos in reverse order, as a newer log's loader might. */
function renumbered(ds: Dataset): Dataset {
  const U = ds.users.length;
  const V = ds.videos.length;
  const ex = (e: Example): Example => ({ ...e, user: U - 1 - e.user, video: V - 1 - e.video });
  return {
    ...ds,
    users: [...ds.users].reverse(),
    videos: [...ds.videos].reverse(),
    train: ds.train.map(ex),
    validation: ds.validation.map(ex),
    test: ds.test.map(ex),
  };
}

const asProduction = (m: RankerModel | TwoTowerModel, family: ProductionModel['family'], config: object) => ({
  name: family,
  version: 'v1',
  family,
  params: m.params,
  ids: m.ids,
  config: config as Record<string, unknown>,
  featureNames: family === 'ranker' ? [...FEATURE_NAMES] : [],
  lineage: {},
});

let ds: Dataset;
beforeAll(() => {
  ds = tinyDataset();
});

describe('production re-indexed onto a newer dataset', () => {
  it('a ranker scores the renumbered rows exactly as it scored the originals', async () => {
    const model = await tinyRanker(ds);
    const config = { ...model.spec.hp, featureMean: model.spec.featureMean, featureInvStd: model.spec.featureInvStd };
    const next = renumbered(ds);
    const subject = await productionSubject(asProduction(model, 'ranker', config), next);
    const features = (i: number) => Float32Array.from(FEATURE_NAMES, (_, f) => ((i * 7 + f) % 5) / 5);
    const before = model.predict(ds.validation.slice(0, 20).map((example, i) => ({ example, features: features(i) })));
    const after = subject!.ranking!.predict(
      next.validation.slice(0, 20).map((example, i) => ({ example, features: features(i) })),
    );
    for (let i = 0; i < 20; i++) expect(after.longView[i]).toBeCloseTo(before.longView[i]!, 5);
  });

  it('a two-tower gives every renumbered video the vector it had; a user it never saw reads its unknown row', async () => {
    const model = await tinyTwoTower(ds);
    const next = renumbered(ds);
    const newcomer = { ...next.users[0]!, externalId: 'never-seen' };
    const subject = await productionSubject(asProduction(model, 'two_tower', model.spec.hp), {
      ...next,
      users: [newcomer, ...next.users.slice(1)],
    });
    const tt = subject!.retrieval as TwoTowerModel;
    const d = model.dim;
    const V = ds.videos.length;
    const a = model.videoEmbeddings();
    const b = tt.videoEmbeddings();
    for (const v of [0, 5, V - 1]) {
      for (let j = 0; j < d; j++) expect(b[(V - 1 - v) * d + j]).toBeCloseTo(a[v * d + j]!, 5);
    }
    const row = (m: TwoTowerModel, u: number) => {
      const t = m.params.get('user.id')!;
      const w = t.shape[1]!;
      return [...t.values.subarray(u * w, (u + 1) * w)];
    };
    expect(row(tt, 0)).toEqual(row(model, ds.users.length));
  });
});
