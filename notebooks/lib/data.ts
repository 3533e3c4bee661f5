/**
 * Which data a notebook reads: the KuaiRand-Pure slice in `../shared/data/kuairand-pure` when it is
 * there, the project's seeded synthetic dataset (same schema, planted clusters, 14 days) otherwise.
 * `FORYOU_NOTEBOOK_DATA=kuairand|synthetic` forces one (the runner's `--data`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KUAIRAND_DIR, KUAIRAND_FILES, loadKuaiRand } from '../../training/data/kuairand.loader.ts';
import type { Dataset } from '../../training/data/schema.ts';
import { generateSynthetic } from '../../training/data/synthetic.ts';
import { type NotebookSettings, notebookSettings } from './settings.ts';

/** The repository root (notebooks run with their own folder as the working directory). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the data came from, for the notebook's own text. */
export interface NotebookData {
  source: 'kuairand' | 'synthetic';
  dataset: Dataset;
  /** One line for the notebook: what was loaded and how big it is. */
  description: string;
}

/** The KuaiRand folder the settings point at, resolved against the repository root. */
export function kuairandDir(env: NotebookSettings = notebookSettings()): string {
  return resolve(REPO_ROOT, env.FORYOU_KUAIRAND_DIR);
}

/** True when every file the KuaiRand loader reads is present. */
export function kuairandAvailable(dir: string): boolean {
  return Object.values(KUAIRAND_FILES).every((f) => existsSync(join(dir, f)));
}

/** Loads the dataset the settings pick (see the module comment). */
export async function loadNotebookData(env: NotebookSettings = notebookSettings()): Promise<NotebookData> {
  const dir = kuairandDir(env);
  const useKuaiRand =
    env.FORYOU_NOTEBOOK_DATA === 'kuairand' || (env.FORYOU_NOTEBOOK_DATA === 'auto' && kuairandAvailable(dir));
  const dataset = useKuaiRand ? await loadKuaiRand({ dir }) : generateSynthetic();
  const rows = dataset.train.length + dataset.validation.length + dataset.test.length;
  const what = useKuaiRand
    ? `KuaiRand-Pure standard log 2022-04-25..05-08 (${DEFAULT_KUAIRAND_DIR})`
    : 'the seeded synthetic dataset (planted clusters; ../shared is absent or synthetic was asked for)';
  return {
    source: useKuaiRand ? 'kuairand' : 'synthetic',
    dataset,
    description: `${what}: ${rows.toLocaleString('en-US')} impressions, ${dataset.users.length.toLocaleString('en-US')} users, ${dataset.videos.length.toLocaleString('en-US')} videos (data ${dataset.dataHash.slice(0, 12)})`,
  };
}

/** KuaiRand's days are Beijing days (UTC+8); the synthetic data starts at the same midnight. */
const TZ_MS = 8 * 3_600_000;

/** The calendar day of an impression as `MM-DD`, Beijing time. */
export function dayOf(timeMs: number): string {
  return new Date(timeMs + TZ_MS).toISOString().slice(5, 10);
}
