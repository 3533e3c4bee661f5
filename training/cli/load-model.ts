import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_FAMILIES, loadBaseline } from '../baselines/load.ts';
import type { RankingModel, RetrievalModel } from '../models/types.ts';

const NEURAL_LOADERS = {
  two_tower: { module: '../export/two-tower.export.ts', fn: 'loadTwoTower', kind: 'retrieval' },
  ranker: { module: '../export/ranker.export.ts', fn: 'loadRanker', kind: 'ranking' },
} as const;

/** Rebuilds a registered model of any family from its artifact files (as listed in the object store). */
export async function loadRegisteredModel(
  family: string,
  files: Record<string, Buffer>,
  dims: Record<string, number>,
  config: unknown,
): Promise<{ retrieval?: RetrievalModel; ranking?: RankingModel }> {
  if ((BASELINE_FAMILIES as readonly string[]).includes(family)) return loadBaseline(family, files, dims, config);
  const loader = NEURAL_LOADERS[family as keyof typeof NEURAL_LOADERS];
  if (!loader) throw new Error(`no loader for model family "${family}"`);
  const url = new URL(loader.module, import.meta.url);
  if (!existsSync(url)) throw new Error(`${family}: loader ${loader.module} is not available in this checkout`);
  const load = ((await import(url.href)) as Record<string, unknown>)[loader.fn];
  if (typeof load !== 'function') throw new Error(`${family}: ${loader.module} does not export ${loader.fn}()`);
  // Their models run on tfjs, whose backend must be ready before any tensor is made.
  const tfModule = new URL('../models/common/tf.ts', import.meta.url);
  if (existsSync(tfModule)) {
    const { initTf } = (await import(tfModule.href)) as { initTf?: () => Promise<unknown> };
    await initTf?.();
  }
  // The neural loaders read an export directory, so the artifact is laid out in a temporary one.
  const dir = mkdtempSync(join(tmpdir(), `foryou-${family}-`));
  try {
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    const model = (load as (dir: string) => RetrievalModel | RankingModel)(dir);
    return loader.kind === 'retrieval' ? { retrieval: model as RetrievalModel } : { ranking: model as RankingModel };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
